//! `streamstack completions bash|zsh|fish|powershell`: the shell completion script on stdout
//! (clap_complete), generated from the same command definition the parser uses.

use std::io::Write;

use clap::Args;
use clap_complete::Shell;

/// Arguments of `streamstack completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// The shells a script is generated for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    /// Bash: `source <(streamstack completions bash)`.
    Bash,
    /// Zsh: save as `_streamstack` in a folder of `$fpath`.
    Zsh,
    /// Fish: save as `~/.config/fish/completions/streamstack.fish`.
    Fish,
    /// PowerShell: `streamstack completions powershell | Out-String | Invoke-Expression`.
    Powershell,
}

impl From<CompletionShell> for Shell {
    fn from(s: CompletionShell) -> Shell {
        match s {
            CompletionShell::Bash => Shell::Bash,
            CompletionShell::Zsh => Shell::Zsh,
            CompletionShell::Fish => Shell::Fish,
            CompletionShell::Powershell => Shell::PowerShell,
        }
    }
}

/// The completion script of `cmd` (the whole command line definition) for `shell`.
pub fn script(shell: CompletionShell, cmd: &mut clap::Command) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(Shell::from(shell), cmd, "streamstack", &mut out);
    out
}

/// Prints the script for `args.shell` to stdout.
pub fn run(args: &CompletionsArgs, mut cmd: clap::Command) -> anyhow::Result<()> {
    let text = script(args.shell, &mut cmd);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&text)?;
    stdout.flush()?;
    Ok(())
}
