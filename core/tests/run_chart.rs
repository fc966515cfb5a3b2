//! Run-chart rules (Perla, Provost & Murray 2011) against worked examples. The blood-pressure
//! series is from Anhøj's "SPC for health care" (github.com/anhoej/spc4hc, 21_first_charts.Rmd;
//! data from Mohammed et al. 2008): median 174, four points on it, 22 useful observations,
//! 10 runs, longest run 4, no shift, no trend, and day 6 (142) below the individuals chart's
//! lower limit (143.9). See docs/research/run-charts.md.

use juntas_core::model::run_chart::{Signal, analyse, runs_limits};

const BLOOD_PRESSURE: [f64; 26] = [
    169.0, 172.0, 175.0, 174.0, 161.0, 142.0, 174.0, 171.0, 168.0, 174.0, 180.0, 194.0, 161.0,
    181.0, 175.0, 176.0, 186.0, 166.0, 157.0, 183.0, 177.0, 171.0, 185.0, 176.0, 181.0, 174.0,
];

#[test]
fn the_published_blood_pressure_series_has_only_its_astronomical_day() {
    let a = analyse(&BLOOD_PRESSURE);
    assert_eq!(a.median, Some(174.0));
    assert_eq!((a.useful, a.runs), (22, 10));
    assert_eq!(runs_limits(22), Some((7, 17)));
    assert_eq!(a.signals.len(), 1, "{:?}", a.signals);
    let Signal::Astronomical { index, low, .. } = a.signals[0] else { panic!("{:?}", a.signals) };
    assert_eq!(index, 5, "day 6");
    assert!((low - 143.93).abs() < 0.01, "{low}");
}

#[test]
fn six_in_a_row_above_the_median_is_a_shift_and_points_on_it_do_not_break_it() {
    // Median 5; points 7..=12 are above it, with one on the median in between.
    let v = [3.0, 4.0, 2.0, 5.0, 3.0, 4.0, 8.0, 9.0, 5.0, 7.0, 8.0, 9.0, 7.0, 4.0];
    let a = analyse(&v);
    assert_eq!(a.median, Some(5.0));
    assert!(a.signals.contains(&Signal::Shift { from: 6, to: 12, above: true }), "{:?}", a.signals);
    // A level that moved: both halves are shifts, too few runs, and no point is called
    // astronomical although many fall outside the individuals chart's limits.
    let moved = analyse(&[70.0, 72.0, 69.0, 71.0, 70.0, 73.0, 88.0, 90.0, 89.0, 91.0, 92.0, 90.0]);
    assert_eq!(
        moved.signals,
        vec![
            Signal::Shift { from: 0, to: 5, above: false },
            Signal::Shift { from: 6, to: 11, above: true },
            Signal::TooFewRuns { runs: 2, lower: 3 },
        ]
    );
    // Five above is not a shift.
    let b = analyse(&[3.0, 4.0, 2.0, 1.0, 3.0, 8.0, 9.0, 7.0, 8.0, 9.0]);
    assert!(!b.signals.iter().any(|s| matches!(s, Signal::Shift { .. })), "{:?}", b.signals);
}

#[test]
fn five_going_up_is_a_trend_and_a_repeat_neither_makes_nor_breaks_it() {
    let a = analyse(&[5.0, 3.0, 4.0, 4.0, 6.0, 7.0, 9.0, 2.0, 5.0, 3.0]);
    assert!(a.signals.contains(&Signal::Trend { from: 1, to: 6, up: true }), "{:?}", a.signals);
    // Four going up is not.
    let b = analyse(&[5.0, 3.0, 4.0, 6.0, 7.0, 2.0, 5.0, 3.0, 6.0, 4.0]);
    assert!(!b.signals.iter().any(|s| matches!(s, Signal::Trend { .. })), "{:?}", b.signals);
}

#[test]
fn too_few_and_too_many_runs_follow_the_table() {
    // Twenty rising points: two runs, fewer than the 6 expected at least.
    let rising: Vec<f64> = (1..=20).map(f64::from).collect();
    let a = analyse(&rising);
    assert_eq!((a.useful, a.runs), (20, 2));
    assert!(a.signals.contains(&Signal::TooFewRuns { runs: 2, lower: 6 }), "{:?}", a.signals);
    // Twenty alternating points: twenty runs, more than the 16 expected at most.
    let zigzag: Vec<f64> = (0..20).map(|i| if i % 2 == 0 { 1.0 } else { 3.0 }).collect();
    let b = analyse(&zigzag);
    assert!(b.signals.contains(&Signal::TooManyRuns { runs: 20, upper: 16 }), "{:?}", b.signals);
    // Below ten useful observations the table says nothing.
    assert_eq!(runs_limits(9), None);
    assert_eq!(runs_limits(60), Some((24, 38)));
    assert_eq!(analyse(&[]).median, None);
}
