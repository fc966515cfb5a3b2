//! The collaborative text box of every document (plan sections, record fields, tree cards):
//! every input becomes one splice of the Automerge Text (never a whole-text replace), and a
//! remote edit is written into the box with the caret and selection kept where they were
//! relative to the text around them.

use std::{
    cell::{Cell, RefCell},
    collections::VecDeque,
    future::Future,
    pin::Pin,
    rc::Rc,
};

use juntas_core::model::text::{
    TextEdit, chars_to_utf16, edit_between, rebase_caret, utf16_to_chars,
};
use leptos::{html, prelude::*, task::spawn_local};

/// Applies a keystroke's splice (code points, counted in the text the box showed) and returns
/// the text after it, or why it was refused.
pub type Splicer = Rc<dyn Fn(TextEdit) -> Pin<Box<dyn Future<Output = Result<String, String>>>>>;

/// Writes `new` into the box, moving the caret and selection past any edit before them.
fn write_keeping_caret(el: &web_sys::HtmlTextAreaElement, new: &str) {
    let old = el.value();
    if old == new {
        return;
    }
    let focused = document().active_element().is_some_and(|a| a == ***el);
    let (start, end) = (
        el.selection_start().ok().flatten().unwrap_or(0) as usize,
        el.selection_end().ok().flatten().unwrap_or(0) as usize,
    );
    let (start, end) = (utf16_to_chars(&old, start), utf16_to_chars(&old, end));
    el.set_value(new);
    if focused {
        let s = chars_to_utf16(new, rebase_caret(&old, new, start)) as u32;
        let e = chars_to_utf16(new, rebase_caret(&old, new, end)) as u32;
        let _ = el.set_selection_range(s, e);
    }
}

#[component]
pub fn PlanText(
    /// The text as the document has it (changes with remote edits).
    #[prop(into)]
    value: Signal<String>,
    /// Whether this person may edit (others read it).
    #[prop(into)]
    editable: Signal<bool>,
    splice: Splicer,
    testid: String,
    #[prop(optional, into)] label: String,
    /// Called when the box loses focus (flush what was typed).
    #[prop(optional)]
    on_blur: Option<Callback<()>>,
    /// Visible lines (8 by default); 1 makes a one-line field where Enter does not break lines.
    #[prop(optional)]
    rows: Option<u32>,
    /// The element id (so an error message can link to it).
    #[prop(optional, into)]
    id: Option<String>,
    /// `numeric` for counts (the phone's number keyboard).
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// A class for the text box itself (how a page sizes and marks it).
    #[prop(optional)]
    class: Option<&'static str>,
) -> impl IntoView {
    let rows = rows.unwrap_or(8);
    let single = rows == 1;
    let el = NodeRef::<html::Textarea>::new();
    // Splices sent and not yet applied: a value arriving meanwhile is older than the box.
    let in_flight = Rc::new(Cell::new(0u32));
    // The text the box is known to match, the base every input is compared with.
    let known = StoredValue::new(String::new());
    let error = RwSignal::new(None::<String>);
    {
        let in_flight = in_flight.clone();
        Effect::new(move |_| {
            let v = value.get();
            if let Some(el) = el.get()
                && in_flight.get() == 0
            {
                write_keeping_caret(&el, &v);
                known.set_value(v);
            }
        });
    }
    // Splices go to the document one after the other, in typing order: a later keystroke's
    // position is only valid after the earlier ones are applied (the document's lock alone
    // does not promise that order).
    // Each goes with the text it was typed on: a co-author's typing merged into the document
    // meanwhile moves it (the numbers alone would put it beside her letters, not where it was
    // typed: two people typing at once in a section scrambled each other's words).
    let queue: Rc<RefCell<VecDeque<TextEdit>>> = Rc::default();
    let on_input = move |_| {
        let Some(area) = el.get() else { return };
        let new = area.value();
        let base = known.get_value();
        let Some((at, delete, insert)) = edit_between(&base, &new) else { return };
        known.set_value(new);
        in_flight.set(in_flight.get() + 1);
        queue.borrow_mut().push_back(TextEdit { base, at, delete, insert });
        if in_flight.get() > 1 {
            return; // the running loop below will take it
        }
        let (queue, in_flight, splice) = (queue.clone(), in_flight.clone(), splice.clone());
        spawn_local(async move {
            loop {
                let Some(edit) = queue.borrow_mut().pop_front() else { break };
                let result = splice(edit).await;
                in_flight.set(in_flight.get() - 1);
                let text = match result {
                    Ok(text) => {
                        error.set(None);
                        text
                    }
                    Err(e) => {
                        error.set(Some(e));
                        // The box may be gone (she left the page): nothing to show then.
                        value.try_get_untracked().unwrap_or_default()
                    }
                };
                // The document's text now includes every remote edit merged meanwhile.
                if in_flight.get() == 0 {
                    // The box may be gone by now (she left the page, the card was deleted):
                    // its edits above are still applied, there is nothing left to show.
                    if let Some(area) = el.try_get_untracked().flatten() {
                        write_keeping_caret(&area, &text);
                        known.set_value(text);
                    }
                    break;
                }
            }
        });
    };
    view! {
        <div class="plan-text">
            <textarea
                node_ref=el
                id=id
                class=class
                class:single=single
                data-testid=testid
                aria-label=label
                rows=rows.to_string()
                inputmode=inputmode
                readonly=move || !editable.get()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                    // Enter in a one-line box is "done": no line break, and what was typed
                    // goes out now, as when the box loses focus.
                    if single && ev.key() == "Enter" {
                        ev.prevent_default();
                        if let Some(cb) = on_blur {
                            cb.try_run(());
                        }
                    }
                }
                on:input=on_input
                on:blur=move |_| {
                    // A box removed while focused (a co-author deleted her card) blurs after
                    // its owner is gone.
                    if let Some(cb) = on_blur {
                        cb.try_run(());
                    }
                }
            ></textarea>
            <span class="field-error" role="alert">{move || error.get()}</span>
        </div>
    }
}
