//! Reading a run chart as IHI teaches it (Perla, Provost & Murray, "The run chart: a simple
//! analytical tool for learning from variation in healthcare processes", BMJ Qual Saf
//! 2011;20:46–51): the median, and the signals of non-random variation — a shift (6 or more
//! points in a row on one side of the median), a trend (5 or more points in a row going up, or
//! down), too few or too many runs (Table 1 of the article), and an astronomical point.
//!
//! Points exactly on the median are not "useful observations": they neither make nor break a
//! shift and do not count in runs. A repeated value neither makes nor breaks a trend. The
//! article leaves "astronomical" to judgement; here a point is called so when it falls outside
//! the limits of an individuals (XmR) chart of the same data (mean ± 2.66 × the mean moving
//! range) and few points do (one, or one per 25 points), and the words under the chart say
//! that is the test. Sources and the worked example
//! used in the tests: `docs/research/run-charts.md`.

/// Table 1 of Perla et al. 2011 (adapted from Swed & Eisenhart): for 10 to 60 useful
/// observations, the fewest and the most runs expected by chance (about a 5 % risk). As
/// printed; the row for 56 (22–35) may be a misprint of 22–36 (the exact value).
const RUNS_LIMITS: [(usize, usize); 51] = [
    (3, 9),
    (3, 10),
    (3, 11),
    (4, 11),
    (4, 12),
    (5, 12),
    (5, 13),
    (5, 13),
    (6, 14),
    (6, 15),
    (6, 16),
    (7, 16),
    (7, 17),
    (7, 17),
    (8, 18),
    (8, 18),
    (9, 19),
    (10, 19),
    (10, 20),
    (10, 20),
    (11, 21),
    (11, 22),
    (11, 23),
    (12, 23),
    (12, 24),
    (12, 24),
    (13, 25),
    (13, 25),
    (14, 26),
    (14, 26),
    (15, 27),
    (15, 27),
    (16, 28),
    (16, 28),
    (17, 29),
    (17, 30),
    (17, 31),
    (18, 31),
    (18, 32),
    (19, 32),
    (19, 33),
    (20, 33),
    (20, 34),
    (21, 34),
    (21, 35),
    (22, 35),
    (22, 35),
    (23, 36),
    (23, 37),
    (24, 38),
    (24, 38),
];

/// The fewest and most runs expected for `useful` observations (None outside 10–60: the
/// table says nothing there, and neither does the chart).
pub fn runs_limits(useful: usize) -> Option<(usize, usize)> {
    (10..=60).contains(&useful).then(|| RUNS_LIMITS[useful - 10])
}

/// A signal of non-random variation; indexes are positions in the series (from 0).
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// `from..=to` are 6 or more useful points in a row on one side of the median.
    Shift {
        from: usize,
        to: usize,
        above: bool,
    },
    /// `from..=to` are 5 or more points in a row going up (or down).
    Trend {
        from: usize,
        to: usize,
        up: bool,
    },
    TooFewRuns {
        runs: usize,
        lower: usize,
    },
    TooManyRuns {
        runs: usize,
        upper: usize,
    },
    /// Outside the individuals chart's limits (`low`, `high`).
    Astronomical {
        index: usize,
        low: f64,
        high: f64,
    },
}

/// What the run chart says about a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// None for an empty series.
    pub median: Option<f64>,
    /// Points not on the median.
    pub useful: usize,
    pub runs: usize,
    pub signals: Vec<Signal>,
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    crate::order::sort_by(&mut v, f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Reads `values` (in time order) as a run chart.
pub fn analyse(values: &[f64]) -> Analysis {
    let Some(m) = median(values) else {
        return Analysis { median: None, useful: 0, runs: 0, signals: Vec::new() };
    };
    let mut signals = Vec::new();
    // Useful points: (index, above the median).
    let sides: Vec<(usize, bool)> =
        values.iter().enumerate().filter(|(_, v)| **v != m).map(|(i, v)| (i, *v > m)).collect();
    let useful = sides.len();
    let runs =
        if useful == 0 { 0 } else { 1 + sides.windows(2).filter(|w| w[0].1 != w[1].1).count() };
    // Shifts: runs of 6 or more useful points on one side.
    let mut start = 0;
    for k in 1..=sides.len() {
        if k == sides.len() || sides[k].1 != sides[start].1 {
            if k - start >= 6 {
                signals.push(Signal::Shift {
                    from: sides[start].0,
                    to: sides[k - 1].0,
                    above: sides[start].1,
                });
            }
            start = k;
        }
    }
    // Trends: 5 or more points going one way, a repeated value counted once.
    let distinct: Vec<usize> =
        (0..values.len()).filter(|&i| i == 0 || values[i] != values[i - 1]).collect();
    let mut first = 0;
    while first + 1 < distinct.len() {
        let up = values[distinct[first + 1]] > values[distinct[first]];
        let mut last = first + 1;
        while last + 1 < distinct.len()
            && (values[distinct[last + 1]] > values[distinct[last]]) == up
        {
            last += 1;
        }
        if last - first + 1 >= 5 {
            signals.push(Signal::Trend { from: distinct[first], to: distinct[last], up });
        }
        first = last;
    }
    if let Some((lower, upper)) = runs_limits(useful) {
        if runs < lower {
            signals.push(Signal::TooFewRuns { runs, lower });
        }
        if runs > upper {
            signals.push(Signal::TooManyRuns { runs, upper });
        }
    }
    // Astronomical: outside an individuals chart's limits — when it is one of very few such
    // points (one, or one per 25): a series whose level moved puts many points outside, and
    // that is a shift or a trend, named by those rules, not a single blatant point.
    if values.len() >= 3 {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let mr =
            values.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (values.len() - 1) as f64;
        let (low, high) = (mean - 2.66 * mr, mean + 2.66 * mr);
        let outside: Vec<usize> = (0..values.len())
            .filter(|&i| mr > 0.0 && (values[i] < low || values[i] > high))
            .collect();
        if outside.len() <= 1 + values.len() / 25 {
            for index in outside {
                signals.push(Signal::Astronomical { index, low, high });
            }
        }
    }
    Analysis { median: Some(m), useful, runs, signals }
}
