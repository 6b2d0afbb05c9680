//! The scenarios shipped in `scenarios/`, embedded in the binary so the
//! app and the CLI can open them anywhere.

/// A bundled scenario: file name and RON text.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// File name in `scenarios/`.
    pub file_name: &'static str,
    /// The RON text as shipped.
    pub text: &'static str,
}

/// Every bundled scenario, in the order the app lists them.
pub const BUNDLED: &[Bundled] = &[Bundled {
    file_name: "noisy-neighbour.ron",
    text: include_str!("../scenarios/noisy-neighbour.ron"),
}];

/// The scenario the app opens first.
pub const DEFAULT: &Bundled = &BUNDLED[0];

/// The bundled scenario with this file name.
pub fn by_file_name(name: &str) -> Option<&'static Bundled> {
    BUNDLED.iter().find(|b| b.file_name == name)
}
