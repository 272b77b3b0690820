//! Progress bars (indicatif) for long work, on standard error, only when it
//! is a terminal and `-q` is not given: the library's
//! [`tasnif::progress::Progress`] drawn for a person.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar, or nothing when nobody can see it. Cleared when dropped.
pub struct Bar(ProgressBar);

impl Bar {
    /// A bar on standard error when it is a terminal and `-q` is not given;
    /// else a hidden one (all calls do nothing).
    pub fn on_terminal() -> Bar {
        Bar::new(Bar::on_terminal_shown())
    }

    /// Whether [`Bar::on_terminal`] would be drawn.
    pub fn on_terminal_shown() -> bool {
        std::io::stderr().is_terminal() && !super::quiet()
    }

    /// A bar drawn when `shown`.
    pub fn new(shown: bool) -> Bar {
        Bar(if shown {
            ProgressBar::new(0)
        } else {
            ProgressBar::hidden()
        })
    }
}

impl tasnif::progress::Progress for Bar {
    fn start(&self, what: &str, total: u64) {
        let template = if total == 0 {
            "{spinner} {msg} {elapsed}"
        } else {
            "{bar:30} {pos}/{len} {msg}, {elapsed} (about {eta} left)"
        };
        let style =
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        self.0.set_style(style);
        self.0.set_length(total);
        self.0.set_position(0);
        self.0.set_message(what.to_string());
        if total == 0 {
            self.0
                .enable_steady_tick(std::time::Duration::from_millis(120));
        } else {
            self.0.disable_steady_tick();
        }
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
