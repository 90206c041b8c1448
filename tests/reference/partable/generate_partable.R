# lavaan's parameter tables (defaults filled in) for the direct tests of
# loyaltyscope/cbsem/partable.py (tests/cbsem/test_partable.py).
# R 4.2 + lavaan 0.6-14 (Debian r-cran-lavaan). Run from this folder: Rscript generate_partable.R
# Each table is parTable() of lavaan::sem(model, data, do.fit = FALSE, <options>), i.e. exactly
# what sem() builds with its defaults (auto.fix.first, auto.var, auto.cov.lv.x, auto.cov.y,
# fixed.x, group.equal labels). The data are the package's bundled copy.
suppressMessages({library(lavaan); library(jsonlite)})
pkg_data <- function(f) read.csv(file.path("../../../loyaltyscope/datasets/data", f))
hs <- pkg_data("holzinger_swineford_1939.csv"); pd <- pkg_data("political_democracy.csv")
HS <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
# Bollen's political democracy model without labels (the table's defaults are the point here)
PD <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8'
LVY <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ntextual ~ visual\nspeed ~ visual'
PATH <- 'x9 ~ x1 + x2 + x3\nx8 ~ x1'
MIMIC <- 'visual =~ x1 + x2 + x3\nvisual ~ ageyr + grade\nx4 ~ ageyr\nageyr ~~ ageyr'
NOOPT <- setNames(list(), character(0))   # written as {} (not [])
LAB <- 'visual =~ x1 + a*x2 + a*x3\ntextual =~ x4 + NA*x5 + 0.8*x6\nvisual ~~ 0.5*textual'
cases <- list(
  list(name = "hs_cfa", d = hs, model = HS, options = NOOPT),
  list(name = "hs_cfa_stdlv", d = hs, model = HS, options = list(std.lv = TRUE)),
  list(name = "hs_cfa_meanstructure", d = hs, model = HS, options = list(meanstructure = TRUE)),
  list(name = "pd_sem", d = pd, model = PD, options = NOOPT),
  list(name = "hs_lv_outcomes", d = hs, model = LVY, options = NOOPT),
  list(name = "hs_path_fixed_x", d = hs, model = PATH, options = NOOPT),
  list(name = "hs_path_free_x", d = hs, model = PATH, options = list(fixed.x = FALSE)),
  list(name = "hs_mimic_user_var", d = hs, model = MIMIC, options = NOOPT),
  list(name = "hs_labels_fixed", d = hs, model = LAB, options = NOOPT),
  list(name = "hs_group_loadings", d = hs, model = HS, options = list(group = "school", group.equal = "loadings")),
  list(name = "hs_group_scalar", d = hs, model = HS,
       options = list(group = "school", group.equal = c("loadings", "intercepts"))),
  list(name = "hs_group_partial_stdlv", d = hs, model = HS,
       options = list(group = "school", group.equal = c("loadings", "intercepts", "residuals", "lv.variances"),
                      group.partial = c("visual =~ x2", "x3 ~ 1"), std.lv = TRUE))
)
out <- list()
for (cs in cases) {
  fit <- do.call("sem", c(list(model = cs$model, data = cs$d, do.fit = FALSE), cs$options))
  pt <- parTable(fit)
  keep <- c("id", "lhs", "op", "rhs", "user", "block", "group", "free", "ustart", "exo", "label", "plabel")
  out[[cs$name]] <- list(model = cs$model, options = cs$options, ngroups = lavInspect(fit, "ngroups"),
                         meanstructure = lavInspect(fit, "meanstructure"),
                         table = pt[, keep], lavaan_version = as.character(packageVersion("lavaan")))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE), "lavaanify.json")
