//! The one table of Lambda functions and the architectures they are built for.

use std::fmt;
use std::str::FromStr;

/// A Lambda function crate of the workspace whose binary is `bootstrap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// Cargo package name; also the asset name (`<name>-<arch>.zip`).
    pub package: &'static str,
}

/// Every function that `cargo xtask build-functions` builds and packages.
pub const FUNCTIONS: &[Function] = &[
    Function {
        package: "consumer-function",
    },
    Function {
        package: "fare-endpoint-function",
    },
];

/// Looks a function up by package name.
pub fn function(package: &str) -> Option<Function> {
    FUNCTIONS.iter().copied().find(|f| f.package == package)
}

/// A Lambda architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Arch {
    /// `x86_64`, built for `x86_64-unknown-linux-musl`.
    X86_64,
    /// `arm64` (Graviton), built for `aarch64-unknown-linux-musl`.
    Arm64,
}

impl Arch {
    /// Both architectures.
    pub const ALL: [Arch; 2] = [Arch::X86_64, Arch::Arm64];

    /// Lambda's name for the architecture (`x86_64` / `arm64`).
    pub fn lambda_name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }

    /// The Rust target triple the bootstrap is built for.
    pub fn triple(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64-unknown-linux-musl",
            Arch::Arm64 => "aarch64-unknown-linux-musl",
        }
    }

    /// The triple in the form used by cc-rs / cargo environment variables
    /// (`aarch64_unknown_linux_musl`).
    pub fn triple_env(self) -> String {
        self.triple().replace('-', "_")
    }

    /// ELF `e_machine` of binaries for this architecture.
    pub fn elf_machine(self) -> u16 {
        match self {
            Arch::X86_64 => 0x3e,
            Arch::Arm64 => 0xb7,
        }
    }

    /// Whether binaries for this architecture run natively on the build host.
    pub fn is_native(self) -> bool {
        match self {
            Arch::X86_64 => cfg!(target_arch = "x86_64"),
            Arch::Arm64 => cfg!(target_arch = "aarch64"),
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.lambda_name())
    }
}

/// An architecture name that is neither `x86_64` nor `arm64`.
#[derive(Debug, thiserror::Error)]
#[error("unknown architecture `{0}`: expected x86_64, arm64 or all")]
pub struct UnknownArch(pub String);

impl FromStr for Arch {
    type Err = UnknownArch;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "x86_64" | "amd64" | "x86-64" => Ok(Arch::X86_64),
            "arm64" | "aarch64" => Ok(Arch::Arm64),
            other => Err(UnknownArch(other.to_owned())),
        }
    }
}

/// Parses `x86_64`, `arm64` or `all` into a list of architectures.
pub fn parse_arches(s: &str) -> Result<Vec<Arch>, UnknownArch> {
    if s == "all" {
        Ok(Arch::ALL.to_vec())
    } else {
        Ok(vec![s.parse()?])
    }
}
