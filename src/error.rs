//! Error kinds that decide the process exit code.

use thiserror::Error;

/// Bad input from the user: a bad argument, parameter, path or value. Exits with code 2.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// A subcommand whose implementation has not landed yet. Exits with code 2.
#[derive(Debug, Error)]
#[error("`streamstack {0}` is not yet available in this version")]
pub struct NotYetAvailable(pub &'static str);

/// Not a failure: `diff --exit-code` found changes (as `git diff --exit-code`). Exits with
/// [`CHANGES_EXIT_CODE`], printing nothing more than the diff itself.
#[derive(Debug, Error)]
#[error("{0} resource(s) would change")]
pub struct ChangesFound(pub usize);

/// The exit code of [`ChangesFound`].
pub const CHANGES_EXIT_CODE: u8 = 3;

/// Exit code for an error: 2 for usage errors, 3 for [`ChangesFound`], 1 for everything else.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<ChangesFound>().is_some() {
        return CHANGES_EXIT_CODE;
    }
    if err.downcast_ref::<UsageError>().is_some()
        || err.downcast_ref::<NotYetAvailable>().is_some()
        || err
            .downcast_ref::<crate::pattern::Error>()
            .is_some_and(|e| e.is_usage())
        || err
            .downcast_ref::<crate::render::Error>()
            .is_some_and(|e| e.is_usage())
    {
        2
    } else {
        1
    }
}
