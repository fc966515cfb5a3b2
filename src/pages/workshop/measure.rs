//! A cycle's measures: each with its run chart (SVG: the mean of the centres per day, the
//! median, the goal, the cycle's stages on the time axis), the signals named in words under it
//! (core's `run_chart`), "Agregar el dato" from a phone, and SVG / CSV export; the facilitator's
//! "Nueva medida".

use super::*;
use juntas_core::model::{
    cycle::{Cycle, Measure, MeasureKind, Stage},
    run_chart::{self, Signal},
};

use std::collections::BTreeMap;

use crate::{download, i18n::Lang, state::cycle::CycleCtx};

fn kind_word(k: MeasureKind) -> T {
    match k {
        MeasureKind::Outcome => T::KindOutcome,
        MeasureKind::Process => T::KindProcess,
        MeasureKind::Balancing => T::KindBalancing,
    }
}

/// Why what she wrote is not taken as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BadNumber {
    NotANumber,
    /// "1.500": mil quinientos in Chile, one and a half in English ("1,500" in English).
    Ambiguous,
}

impl BadNumber {
    fn text(self) -> T {
        match self {
            BadNumber::NotANumber => T::ErrBadPoint,
            BadNumber::Ambiguous => T::ErrAmbiguousNumber,
        }
    }
}

/// A number as she writes it: "8,5", "8.5", "1.500,5", "12.345.678". In Chile a point groups
/// thousands and a comma marks decimals: with a comma, or with more than one point, the points
/// group thousands. One point followed by exactly three digits ("1.500") could be either, so it
/// is refused with a question rather than stored as the wrong one (it was read as 1,5).
///
/// In English the point and the comma swap roles ("1,500.5"; a lone "1,500" is asked about).
fn parse_number(s: &str, lang: Lang) -> Result<f64, BadNumber> {
    // Spaces group thousands too ("1 500"), and a percentage may come with its sign.
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match (lang, c) {
            (Lang::En, '.') => ',',
            (Lang::En, ',') => '.',
            _ => c,
        })
        .collect();
    let t = t.strip_suffix('%').unwrap_or(&t);
    let (int, frac) = match t.split_once(',') {
        Some((int, frac)) => (int, Some(frac)),
        None => (t, None),
    };
    let groups: Vec<&str> = int.split('.').collect();
    let lead = groups[0].trim_start_matches(['-', '+']);
    let grouped = groups.len() > 1
        && lead.len() <= 3
        && groups[1..].iter().all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    let plain = match (frac, groups.len()) {
        (Some(frac), 1) => format!("{int}.{frac}"),
        (Some(frac), _) if grouped => format!("{}.{frac}", groups.concat()),
        (Some(_), _) => return Err(BadNumber::NotANumber),
        // ".500" and "0.500" can only be decimals.
        (None, 2) if grouped && !lead.is_empty() && !lead.starts_with('0') => {
            return Err(BadNumber::Ambiguous);
        }
        (None, n) if n > 2 && grouped => groups.concat(),
        (None, _) => int.to_string(),
    };
    // Digits, a point and a sign only: f64's parser also takes "1e20", "inf" and "NaN".
    if !plain.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+')) {
        return Err(BadNumber::NotANumber);
    }
    plain.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or(BadNumber::NotANumber)
}

/// A number as the page shows it, at most two decimals, with the decimal mark of her language
/// ("8,5" in Spanish, "8.5" in English).
fn show(v: f64, lang: Lang) -> String {
    let s = fixed(v, 2);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    crate::i18n::decimal(s, lang)
}

/// A number as the CSV export writes it: every digit she gave (the page rounds to two), with
/// the decimal mark of her language.
fn exact(v: f64, lang: Lang) -> String {
    crate::i18n::decimal(&v.to_string(), lang)
}

/// The measure's CSV as a spreadsheet in her language reads it (header, decimal mark and
/// separator), a row per day and centre (the centre by its name, its id if the network no
/// longer lists it).
fn csv_of(m: &Measure, names: &BTreeMap<String, String>, lang: Lang) -> Vec<u8> {
    let rows: Vec<Vec<String>> = m
        .points
        .iter()
        .map(|((d, c), v)| {
            vec![d.clone(), names.get(c).cloned().unwrap_or_else(|| c.clone()), exact(*v, lang)]
        })
        .collect();
    let head = [T::CsvDay.in_lang(lang), T::CsvCentre.in_lang(lang), &m.name];
    juntas_core::model::inquiry::csv(crate::i18n::csv_separator(lang), &head, &rows)
}

/// `v` rounded to `places` decimals, "-12.50", by integer arithmetic: core's exact float
/// formatting (`{:.2}`) costs ~2 KB of brotli in the wasm for this page's two uses. Beyond
/// what an `i64` holds exactly, the shortest form.
fn fixed(v: f64, places: u32) -> String {
    let scale = 10_i64.pow(places);
    let scaled = (v * scale as f64).round();
    if !scaled.is_finite() || scaled.abs() >= 1e15 {
        return v.to_string();
    }
    let n = scaled as i64;
    let (sign, n) = if n < 0 { ("-", -n) } else { ("", n) };
    if places == 0 {
        return format!("{sign}{n}");
    }
    format!("{sign}{}.{:0w$}", n / scale, n % scale, w = places as usize)
}

/// The signals of `series` in her words, each naming its days.
pub(super) fn signal_words(
    i18n: crate::i18n::I18n,
    series: &[(String, f64, usize)],
    signals: &[Signal],
) -> Vec<String> {
    let day = |i: usize| series.get(i).map(|p| format_day(&p.0)).unwrap_or_default();
    let fill = |k: T, n: usize, a: String, b: String| {
        i18n.t(k).replace("{n}", &n.to_string()).replace("{a}", &a).replace("{b}", &b)
    };
    signals
        .iter()
        .map(|s| match s {
            Signal::Shift { from, to, above } => {
                let n = series[*from..=*to].len();
                fill(
                    if *above { T::SigShiftAbove } else { T::SigShiftBelow },
                    n,
                    day(*from),
                    day(*to),
                )
            }
            Signal::Trend { from, to, up } => {
                let n = to - from + 1;
                fill(if *up { T::SigTrendUp } else { T::SigTrendDown }, n, day(*from), day(*to))
            }
            Signal::TooFewRuns { runs, lower } => i18n
                .t(T::SigFewRuns)
                .replace("{n}", &runs.to_string())
                .replace("{m}", &lower.to_string()),
            Signal::TooManyRuns { runs, upper } => i18n
                .t(T::SigManyRuns)
                .replace("{n}", &runs.to_string())
                .replace("{m}", &upper.to_string()),
            Signal::Astronomical { index, .. } => {
                i18n.t(T::SigAstronomical).replace("{a}", &day(*index))
            }
        })
        .collect()
}

/// The run chart's size in its own units. It is drawn as wide as its card, so a unit's size
/// on screen depends on the screen: 640 units on a 360 px phone drew its 11-unit text about
/// 5 px tall. A phone gets a frame of 320 units, which its ~300 px card draws at about 0.94.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Frame {
    w: f64,
    h: f64,
}

const WIDE: Frame = Frame { w: 640.0, h: 260.0 };
const NARROW: Frame = Frame { w: 320.0, h: 220.0 };
/// Screens narrower than this (CSS px) get the narrow frame.
const NARROW_BELOW: f64 = 600.0;
/// The labels' size in the chart's units: about 11 px on a 360 px phone, 12 px or more on a
/// laptop.
const FONT: f64 = 12.0;
/// A label's width per character, at most (digits and the decimal mark are narrower).
const CHAR_W: f64 = FONT * 0.62;
/// The plot's left edge at least; wider when the value labels beside it are.
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// The plot's top: above it, a band with `rows` rows for the stages' names (one at least).
fn top_for(rows: usize) -> f64 {
    rows.max(1) as f64 * (FONT + 4.0) + 2.0
}

/// Where each stage's name goes, as (x, y, text-anchor), for `marks` (each stage's line x and
/// its name's length in characters, left to right) in a chart `w` wide, and how many rows the
/// band above the plot needs: each name after its line, or before it when it would pass the
/// right edge; in the band's first row where it overlaps no name (stages a few days apart
/// take a row each, so the names never overlap).
fn stage_labels(marks: &[(f64, usize)], w: f64) -> (Vec<(f64, f64, &'static str)>, usize) {
    let mut row_end: Vec<f64> = Vec::new();
    let places = marks
        .iter()
        .map(|&(mx, chars)| {
            let width = CHAR_W * chars as f64;
            let (from, to, x, anchor) = if mx + 3.0 + width <= w {
                (mx + 3.0, mx + 3.0 + width, mx + 3.0, "start")
            } else {
                (mx - 3.0 - width, mx - 3.0, mx - 3.0, "end")
            };
            let row = match row_end.iter().position(|end| end + 4.0 <= from) {
                Some(r) => r,
                None => {
                    row_end.push(f64::NEG_INFINITY);
                    row_end.len() - 1
                }
            };
            row_end[row] = to;
            (x, FONT + row as f64 * (FONT + 4.0), anchor)
        })
        .collect();
    (places, row_end.len())
}

fn frame_for(screen_width: f64) -> Frame {
    if screen_width < NARROW_BELOW { NARROW } else { WIDE }
}

fn screen_width() -> f64 {
    window().inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(WIDE.w)
}

/// The run chart as SVG children (shapes in `frame`'s units).
fn chart(
    i18n: crate::i18n::I18n,
    m: Measure,
    stages: BTreeMap<Stage, String>,
    frame: Frame,
) -> impl IntoView {
    let Frame { w, h } = frame;
    let lang = i18n.0.get();
    let series = m.series();
    let values: Vec<f64> = series.iter().map(|p| p.1).collect();
    let analysis = run_chart::analyse(&values);
    let mut lo = values.iter().copied().chain(m.goal).fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().chain(m.goal).fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let pad = (hi - lo) * 0.1;
    let (lo, hi) = (lo - pad, hi + pad);
    let (top_label, bottom_label) = (show(hi - pad, lang), show(lo + pad, lang));
    let longest = top_label.chars().count().max(bottom_label.chars().count());
    // At most a third of the chart, however long the number.
    let left = LEFT.max(8.0 + CHAR_W * longest as f64).min(w / 3.0);
    let n = series.len().max(1);
    let x = move |i: usize| {
        left + (w - left - RIGHT) * if n == 1 { 0.5 } else { i as f64 / (n - 1) as f64 }
    };
    // A stage starts at the first day on or after its date.
    let markers: Vec<(f64, String)> = stages
        .iter()
        .filter_map(|(s, day)| {
            let i = series.iter().position(|p| p.0.as_str() >= day.as_str())?;
            Some((
                x(i) - if i > 0 { (x(1) - x(0)) / 2.0 } else { 0.0 },
                i18n.t(super::cycle::stage_word_pub(*s)).to_owned(),
            ))
        })
        .collect();
    let (places, rows) = stage_labels(
        &markers.iter().map(|(mx, label)| (*mx, label.chars().count())).collect::<Vec<_>>(),
        w,
    );
    let top = top_for(rows);
    let y = move |v: f64| top + (h - top - BOTTOM) * (1.0 - (v - lo) / (hi - lo));
    let flagged: std::collections::BTreeSet<usize> = analysis
        .signals
        .iter()
        .flat_map(|s| match s {
            Signal::Shift { from, to, .. } | Signal::Trend { from, to, .. } => {
                (*from..=*to).collect::<Vec<_>>()
            }
            Signal::Astronomical { index, .. } => vec![*index],
            _ => Vec::new(),
        })
        .collect();
    let path = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!("{}{},{}", if i == 0 { "M" } else { " L" }, fixed(x(i), 1), fixed(y(*v), 1))
        })
        .collect::<String>();
    view! {
        <rect x="0" y="0" width=w height=h fill="#ffffff" />
        <line x1=left y1=h - BOTTOM x2=w - RIGHT y2=h - BOTTOM stroke="#55606e" />
        <text x=left - 6.0 y=y(hi - pad) text-anchor="end" font-size=FONT fill="#1d2733">{top_label}</text>
        <text x=left - 6.0 y=y(lo + pad) text-anchor="end" font-size=FONT fill="#1d2733">{bottom_label}</text>
        {markers.into_iter().zip(places).map(|((mx, label), (tx, ty, anchor))| view! {
            <line x1=mx y1=top x2=mx y2=h - BOTTOM stroke="#a4b3c2" stroke-dasharray="2 3" />
            <text x=tx y=ty text-anchor=anchor font-size=FONT fill="#55606e">{label}</text>
        }).collect_view()}
        {analysis.median.map(|md| view! {
            <line x1=left y1=y(md) x2=w - RIGHT y2=y(md) stroke="#1f5f8b" stroke-dasharray="6 4" data-testid="chart-median" />
            <text x=w - RIGHT y=y(md) - 4.0 text-anchor="end" font-size=FONT fill="#1f5f8b">{format!("{} {}", i18n.t(T::ChartMedian), show(md, lang))}</text>
        })}
        {m.goal.map(|g| view! {
            <line x1=left y1=y(g) x2=w - RIGHT y2=y(g) stroke="#2e6b3a" stroke-width="2" data-testid="chart-goal" />
            <text x=left + 4.0 y=y(g) - 4.0 font-size=FONT fill="#2e6b3a">{format!("{} {}", i18n.t(T::ChartGoal), show(g, lang))}</text>
        })}
        <path d=path fill="none" stroke="#1d2733" stroke-width="2" />
        {values.iter().enumerate().map(|(i, v)| {
            let hit = flagged.contains(&i);
            view! { <circle cx=x(i) cy=y(*v) r=if hit { "5" } else { "3.5" } fill=if hit { "#a4282c" } else { "#1d2733" } data-testid="chart-point" /> }
        }).collect_view()}
        {series.first().map(|p| view! { <text x=x(0) y=h - BOTTOM + 16.0 font-size=FONT fill="#1d2733">{format_day(&p.0)}</text> })}
        {(series.len() > 1).then(|| series.last().map(|p| view! { <text x=x(n - 1) y=h - BOTTOM + 16.0 text-anchor="end" font-size=FONT fill="#1d2733">{format_day(&p.0)}</text> }))}
    }
}

#[component]
pub(super) fn Measures(ctx: CycleCtx, cycle: Memo<Option<Cycle>>) -> impl IntoView {
    let me = PlanCtx::me_of(ctx.net);
    let ids = move || {
        cycle.with(|c| {
            c.as_ref()
                .map(|c| c.measures.iter().map(|m| m.id.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    view! {
        <section class="card" aria-labelledby="measures-h" data-testid="measures">
            <h3 id="measures-h">{tr(T::Measures)}</h3>
            <Show when=move || ids().is_empty()>
                <p class="muted">{tr(T::NoMeasures)}</p>
            </Show>
            <For each=ids key=|id| id.clone() let:id>
                <MeasureCard ctx cycle id />
            </For>
            <Show when=move || me.with(|m| m.is(Role::Facilitator))>
                <NewMeasure ctx />
            </Show>
        </section>
    }
}

#[component]
fn MeasureCard(ctx: CycleCtx, cycle: Memo<Option<Cycle>>, id: String) -> impl IntoView {
    let i18n = use_i18n();
    let me = PlanCtx::me_of(ctx.net);
    let measure = {
        let id = id.clone();
        Memo::new(move |_| {
            cycle.with(|c| c.as_ref().and_then(|c| c.measures.iter().find(|m| m.id == id).cloned()))
        })
    };
    let stages = Memo::new(move |_| {
        cycle.with(|c| c.as_ref().map(|c| c.stages.clone()).unwrap_or_default())
    });
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    // The chart's frame follows the screen (a phone turned sideways gets the wide one).
    let frame = RwSignal::new(frame_for(screen_width()));
    let resize = window_event_listener(leptos::ev::resize, move |_| {
        let f = frame_for(screen_width());
        if frame.get_untracked() != f {
            frame.set(f);
        }
    });
    on_cleanup(move || resize.remove());
    let signals = move || {
        measure.with(|m| {
            let Some(m) = m else { return Vec::new() };
            let series = m.series();
            let values: Vec<f64> = series.iter().map(|p| p.1).collect();
            let a = run_chart::analyse(&values);
            let mut words = signal_words(i18n, &series, &a.signals);
            if words.is_empty() && !series.is_empty() {
                words.push(i18n.t(T::NoSignals).to_owned());
            }
            if a.useful < 10 && !series.is_empty() {
                words.push(i18n.t(T::FewPoints).to_owned());
            }
            words
        })
    };
    // Her centre (a principal), or any (the facilitator chooses).
    let my_centre = move || me.with(|m| m.member.as_ref().and_then(|x| x.centre_id.clone()));
    let day = RwSignal::new(crate::dates::today());
    let centre = RwSignal::new(String::new());
    let value = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let added = RwSignal::new(false);
    let busy = OneAtATime::new();
    let mid = id.clone();
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = match parse_number(&value.get_untracked(), i18n.0.get_untracked()) {
            Ok(v) => v,
            Err(e) => {
                error.set(Some(i18n.t(e.text()).to_owned()));
                return;
            }
        };
        let c = my_centre().unwrap_or_else(|| centre.get_untracked());
        if !busy.start() {
            return;
        }
        let (m, d) = (mid.clone(), day.get_untracked());
        spawn_local(async move {
            let outcome = ctx.put_point(m, d, c, v).await;
            busy.done();
            match outcome {
                Ok(()) => {
                    error.set(None);
                    added.set(true);
                    value.set(String::new());
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    let export_csv = move |_| {
        let Some(m) = measure.get_untracked() else { return };
        let names = ctx.net.network.with_untracked(|n| {
            n.centres.iter().map(|(id, c)| (id.clone(), c.name.clone())).collect()
        });
        let bytes = csv_of(&m, &names, i18n.0.get_untracked());
        download::bytes("medida.csv", "text/csv;charset=utf-8", &bytes);
    };
    let png_error = RwSignal::new(false);
    let export_png = move |_| {
        let svg = svg_ref.get_untracked().map(|s| s.outer_html()).unwrap_or_default();
        // A phone's narrow chart at twice its size: as many pixels as a laptop's, for a report.
        let f = frame.get_untracked();
        let k = if f == NARROW { 2.0 } else { 1.0 };
        png_error.set(false);
        crate::pages::tree::png_download(
            &svg,
            (f.w * k) as u32,
            (f.h * k) as u32,
            "grafico.png",
            move || png_error.set(true),
        );
    };
    let export_svg = move |_| {
        let svg = svg_ref.get_untracked().map(|s| s.outer_html()).unwrap_or_default();
        download::bytes("grafico.svg", "image/svg+xml", svg.as_bytes());
    };
    let centres = move || {
        ctx.net.network.with(|n| {
            n.centres_sorted()
                .into_iter()
                .map(|(id, c)| (id.clone(), c.name.clone()))
                .collect::<Vec<_>>()
        })
    };
    let desc = format!("chart-desc-{id}");
    view! {
        {move || measure.get().map(|m| {
            let f = frame.get();
            let label = format!("{} {}", i18n.t(T::RunChartOf), m.name);
            view! {
                <div class="measure" data-testid="measure">
                    <h4>{m.name.clone()} <span class="muted">" · " {tr(kind_word(m.kind))} {(!m.unit.is_empty()).then(|| format!(" · {}", m.unit))}</span></h4>
                    <svg node_ref=svg_ref xmlns="http://www.w3.org/2000/svg" viewBox=format!("0 0 {} {}", f.w, f.h) width=f.w height=f.h class="run-chart"
                        role="img" aria-label=label aria-describedby=desc.clone() data-testid="run-chart">
                        {chart(i18n, m.clone(), stages.get(), f)}
                    </svg>
                    <p class="hint">{tr(T::ChartMeanNote)}</p>
                    <ul id=desc.clone() data-testid="chart-signals">
                        {signals().into_iter().map(|s| view! { <li data-testid="chart-signal">{s}</li> }).collect_view()}
                    </ul>
                    {(m.unreadable > 0).then(|| view! { <p class="form-error">{move || i18n.count(m.unreadable, T::PointsUnreadableOne, T::PointsUnreadable)}</p> })}
                    <div class="row">
                        <button class="secondary" data-testid="measure-export-svg" on:click=export_svg>{tr(T::ExportSvg)}</button>
                        <button class="secondary" data-testid="measure-export-png" on:click=export_png>{tr(T::ExportPng)}</button>
                        <button class="secondary" data-testid="measure-export-csv" on:click=export_csv>{tr(T::ExportCsv)}</button>
                    </div>
                </div>
            }
        })}
        // Outside the chart's block: a point arriving redraws the chart, not this alert.
        <p class="form-error" role="alert" data-testid="measure-export-error">
            {move || png_error.get().then(|| i18n.t(T::ErrPngExport))}</p>
        <Show when=move || me.with(|m| m.is(Role::Facilitator) || m.member.as_ref().is_some_and(|x| x.centre_id.is_some()))>
            <form class="add-row" on:submit=add.clone() data-testid="point-form">
                <label class="field"><span class="field-label">{tr(T::PointDay)}</span>
                    <input type="date" data-testid="point-day" required bind:value=day /></label>
                <Show when=move || my_centre().is_none()>
                    <label class="field"><span class="field-label">{tr(T::PointCentre)}</span>
                        <select data-testid="point-centre" required on:change=move |ev| centre.set(event_target_value(&ev))>
                            <option value="">"—"</option>
                            {move || centres().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                        </select></label>
                </Show>
                <label class="field"><span class="field-label">{tr(T::PointValue)}</span>
                    <input data-testid="point-value" inputmode="decimal" required bind:value=value /></label>
                <button type="submit" class="primary" data-testid="point-add" disabled=move || busy.running()>{tr(T::PointAdd)}</button>
            </form>
            <Show when=move || added.get()><p class="ok" role="status" data-testid="point-added">{tr(T::PointAdded)}</p></Show>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </Show>
    }
}

#[component]
fn NewMeasure(ctx: CycleCtx) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(MeasureKind::Outcome);
    let unit = RwSignal::new(String::new());
    let goal = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = OneAtATime::new();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let g = goal.get_untracked();
        let goal_value = if g.trim().is_empty() {
            None
        } else {
            match parse_number(&g, i18n.0.get_untracked()) {
                Ok(v) => Some(v),
                Err(e) => {
                    error.set(Some(i18n.t(e.text()).to_owned()));
                    return;
                }
            }
        };
        if !busy.start() {
            return;
        }
        let (n, k, u) = (name.get_untracked(), kind.get_untracked(), unit.get_untracked());
        spawn_local(async move {
            let outcome = ctx.add_measure(n, k, u, goal_value).await;
            busy.done();
            match outcome {
                Ok(()) => {
                    error.set(None);
                    name.set(String::new());
                    goal.set(String::new());
                }
                Err(e) => error.set(Some(explain(i18n, &e))),
            }
        });
    };
    view! {
        <form class="stack" on:submit=create data-testid="measure-new">
            <h4>{tr(T::MeasureNew)}</h4>
            <label class="field"><span class="field-label">{tr(T::MeasureName)}</span>
                <input data-testid="measure-name" required bind:value=name /></label>
            <label class="field"><span class="field-label">{tr(T::MeasureKindLabel)}</span>
                <select data-testid="measure-kind" on:change=move |ev| if let Some(k) = MeasureKind::parse(&event_target_value(&ev)) { kind.set(k) }>
                    {MeasureKind::ALL.map(|k| view! { <option value=k.as_str() selected=move || kind.get() == k>{tr(kind_word(k))}</option> }).collect_view()}
                </select></label>
            <label class="field"><span class="field-label">{tr(T::MeasureUnit)}</span>
                <input data-testid="measure-unit" bind:value=unit /></label>
            <label class="field"><span class="field-label">{tr(T::MeasureGoal)}</span>
                <input data-testid="measure-goal" inputmode="decimal" bind:value=goal /></label>
            <button type="submit" class="primary" data-testid="measure-create" disabled=move || busy.running()>{tr(T::MeasureCreate)}</button>
            <p class="form-error" role="alert">{move || error.get()}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_show_with_the_decimal_mark_of_her_language() {
        let es = |v| show(v, Lang::Es);
        assert_eq!(es(8.5), "8,5");
        assert_eq!(es(8.0), "8");
        assert_eq!(es(12.345), "12,35");
        assert_eq!(es(-3.25), "-3,25");
        assert_eq!(es(-0.001), "0");
        assert_eq!(es(1500.0), "1500");
        assert_eq!(es(1e300), 1e300.to_string(), "too big for fixed decimals: its shortest form");
        assert_eq!(show(8.5, Lang::En), "8.5");
        assert_eq!(show(-3.25, Lang::En), "-3.25");
    }

    #[test]
    fn numbers_are_read_as_written_in_chile_and_an_ambiguous_point_is_asked_about() {
        for (typed, read) in [
            ("12", 12.0),
            ("8,5", 8.5),
            ("8.5", 8.5),
            (" -3,25 ", -3.25),
            ("1500", 1500.0),
            ("1.500,5", 1500.5),
            ("12.345.678", 12_345_678.0),
            ("1.234.567,25", 1_234_567.25),
            ("0.125", 0.125),
            ("1.50", 1.5),
            ("1.5000", 1.5),
            (".500", 0.5),
            ("1 500", 1500.0),
            ("1\u{a0}500,5", 1500.5),
            ("85%", 85.0),
            ("85,5 %", 85.5),
        ] {
            assert_eq!(parse_number(typed, Lang::Es), Ok(read), "{typed}");
        }
        for typed in ["1.500", "12.345", "-1.500"] {
            assert_eq!(parse_number(typed, Lang::Es), Err(BadNumber::Ambiguous), "{typed}");
        }
        for typed in
            ["", "ocho", "1,2,3", "1.5,5", "12.34.567", "inf", "NaN", "1e999", "1e20", "2E3"]
        {
            assert_eq!(parse_number(typed, Lang::Es), Err(BadNumber::NotANumber), "{typed}");
        }
    }

    #[test]
    fn in_english_the_point_marks_decimals_and_the_comma_thousands() {
        for (typed, read) in [
            ("8.5", 8.5),
            ("8,5", 8.5),
            ("1,500.5", 1500.5),
            ("12,345,678", 12_345_678.0),
            ("1.500", 1.5),
            ("85.5 %", 85.5),
        ] {
            assert_eq!(parse_number(typed, Lang::En), Ok(read), "{typed}");
        }
        assert_eq!(parse_number("1,500", Lang::En), Err(BadNumber::Ambiguous));
        assert_eq!(parse_number("1.500,5", Lang::En), Err(BadNumber::NotANumber));
    }

    #[test]
    fn the_export_keeps_every_digit() {
        assert_eq!(exact(70.0, Lang::Es), "70");
        assert_eq!(exact(90.5, Lang::Es), "90,5");
        assert_eq!(exact(12.345, Lang::Es), "12,345", "the page shows 12,35");
        assert_eq!(exact(-0.001, Lang::Es), "-0,001");
        assert_eq!(exact(12.345, Lang::En), "12.345");
    }

    #[test]
    fn the_export_speaks_her_language_and_names_the_centres() {
        let m = Measure {
            id: "m1".into(),
            name: "Asistencia".into(),
            points: [
                (("2027-04-05".to_string(), "c1".to_string()), 90.5),
                (("2027-04-05".to_string(), "gone".to_string()), 70.0),
            ]
            .into_iter()
            .collect(),
            kind: juntas_core::model::cycle::MeasureKind::Outcome,
            unit: String::new(),
            goal: None,
            unreadable: 0,
        };
        let names: BTreeMap<String, String> = [("c1".to_string(), "Semillas".to_string())].into();
        let es = String::from_utf8(csv_of(&m, &names, Lang::Es)).unwrap();
        let en = String::from_utf8(csv_of(&m, &names, Lang::En)).unwrap();
        let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
        assert_eq!(
            lines(es.trim_start_matches('\u{feff}')),
            ["fecha;jardín;Asistencia", "2027-04-05;Semillas;90,5", "2027-04-05;gone;70"]
        );
        assert_eq!(
            lines(en.trim_start_matches('\u{feff}')),
            ["date,centre,Asistencia", "2027-04-05,Semillas,90.5", "2027-04-05,gone,70"]
        );
    }

    #[test]
    fn stage_names_stay_inside_the_chart_and_off_each_other() {
        let w = NARROW.w;
        let span = |(x, _, anchor): (f64, f64, &str), chars: usize| {
            let width = CHAR_W * chars as f64;
            if anchor == "start" { (x, x + width) } else { (x - width, x) }
        };
        // "Planificar" at the start, "Hacer" two points (~46 units) later, "Estudiar" near
        // the right edge; then all four stages a point apart (the fourth fits after the
        // second), and one stage alone.
        for (marks, rows) in [
            (vec![(48.0, 10), (94.0, 5), (300.0, 8)], 2),
            (vec![(48.0, 10), (71.0, 5), (94.0, 8), (117.0, 5)], 3),
            (vec![(48.0, 10)], 1),
        ] {
            let (places, used) = stage_labels(&marks, w);
            assert_eq!(used, rows, "{marks:?}");
            let spans: Vec<(f64, f64)> =
                places.iter().zip(&marks).map(|(p, m)| span(*p, m.1)).collect();
            for (from, to) in &spans {
                assert!(*from >= 0.0 && *to <= w, "inside the chart: {spans:?}");
            }
            for (p, (from, to)) in places.iter().zip(&spans) {
                assert!(p.1 + 3.0 < top_for(used), "above the plot: {places:?}");
                for (q, (f2, t2)) in places.iter().zip(&spans) {
                    let overlap = from < t2 && f2 < to && p.1 == q.1 && (from, to) != (f2, t2);
                    assert!(!overlap, "{spans:?} {places:?}");
                }
            }
        }
        let (places, _) = stage_labels(&[(48.0, 10), (94.0, 5), (300.0, 8)], w);
        assert_eq!(places[2].2, "end", "near the right edge, before its line");
        assert_ne!(places[0].1, places[1].1, "two stages close together: two rows");
        assert_eq!(places[2].1, places[0].1, "a stage far from the others: the first row");
    }

    #[test]
    fn a_phone_gets_the_narrow_chart_and_a_laptop_the_wide_one() {
        assert_eq!(frame_for(360.0), NARROW);
        assert_eq!(frame_for(599.0), NARROW);
        assert_eq!(frame_for(600.0), WIDE);
        assert_eq!(frame_for(1280.0), WIDE);
    }

    #[test]
    fn chart_coordinates_have_one_decimal() {
        assert_eq!(fixed(40.0, 1), "40.0");
        assert_eq!(fixed(123.456, 1), "123.5");
        assert_eq!(fixed(-7.04, 1), "-7.0");
        for v in [0.0, 3.3, 99.96, 250.04, 17.75] {
            assert_eq!(fixed(v, 1), format!("{v:.1}"));
        }
    }
}
