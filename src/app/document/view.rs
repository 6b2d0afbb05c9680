//! What the user is looking at in one document: the selected tenant, the
//! timeline's design and scope, the tenant table's filters and sort, the
//! comparison's sort, the cost design, lesson progress and the RON tab's
//! text. It lives in the [`super::Document`], so opening another document
//! starts from [`ViewState::default`] by construction; nothing here is
//! persisted.

/// Which flows a timeline shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Scope {
    /// All tenants together.
    #[default]
    All,
    /// One tier (index into the report's tiers).
    Tier(usize),
    /// The selected tenant.
    Tenant,
    /// Every tenant's own series overlaid, the selected tenant emphasised.
    EachTenant,
}

/// Timeline controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimelineView {
    /// Design shown; `None` overlays every design.
    pub design: Option<usize>,
    /// Flows shown.
    pub scope: Scope,
}

/// Tenant results table controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableView {
    /// Design whose results are listed.
    pub design: usize,
    /// Only this tier, if set.
    pub tier: Option<String>,
    /// Only tenant ids containing this text.
    pub search: String,
    /// Sort column index.
    pub sort_column: usize,
    /// Sort descending.
    pub descending: bool,
}

/// Design comparison controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareView {
    /// Key of the row whose figures order the design columns; `None`
    /// keeps the scenario's design order.
    pub sort_row: Option<String>,
    /// Largest figure first.
    pub descending: bool,
    /// Every row shown, even where only the main or headline rows fit
    /// (the panel scrolls).
    pub all_rows: bool,
}

/// Planner tab controls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanView {
    /// Index of the plan shown (in the file's `plans`).
    pub plan: usize,
    /// Figure key drawn against the axis; `None` picks the one the
    /// plan's questions are about.
    pub figure: Option<String>,
    /// Label of the search candidate picked on the Pareto plot.
    pub candidate: Option<String>,
}

/// What the user is looking at in one document (reset when another is
/// opened, kept through edits, undo and redo).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewState {
    /// Design comparison controls.
    pub compare: CompareView,
    /// Timeline controls.
    pub timeline: TimelineView,
    /// Tenant table controls.
    pub table: TableView,
    /// Planner tab controls.
    pub plan: PlanView,
    /// Design whose cost bars are shown; `None` shows all side by side.
    pub cost_design: Option<usize>,
    /// Tenant highlighted in every plot.
    pub selected_tenant: Option<String>,
    /// Text of the raw RON editor (kept while the user types).
    pub ron_text: Option<String>,
    /// Lesson panel hidden by the user.
    pub hide_lesson: bool,
    /// "Try this" steps applied since the lesson was opened or reset.
    pub tried: Vec<usize>,
}
