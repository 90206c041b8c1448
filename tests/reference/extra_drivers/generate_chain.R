# Reference values for ls.satisfaction_chain(data, model = ...) and ls.ipa on SEM effects
# (tests/analyses/test_drivers_sweep.py), computed with R 4.2 and lavaan 0.6-14 on the same
# syntax and data: sem(model, data, estimator), with every structural coefficient labelled
# b_<outcome>_<predictor> (a user's own label or fixed value kept) and, for every ordered pair
# joined by a directed path, the effects written as defined parameters (Alwin & Hauser 1975):
#   indirect := sum over the directed paths of length >= 2 of the products of their coefficients,
#   total    := direct + indirect;
# parameterEstimates(fit, standardized = TRUE) gives est, se, pvalue, ci and std.all of each;
# lavInspect(fit, "r2") the R² of the endogenous variables; fitMeasures the fit. The IPA
# quadrants use the totals on the final outcome as importance and the construct item means
# (rowMeans over complete rows of the data) as performance, cut at the means.
# Run from this folder: Rscript generate_chain.R   (writes chain.json)
suppressMessages(library(lavaan))
source("common.R")   # read_data, apply_derive, quadrant, HS/PD/..., L, with_defaults, write_reference

# regressions of a model: data frame (y, x, coef name, line rewritten with labels)
label_model <- function(model) {
  out <- character(0); regs <- data.frame(y = character(0), x = character(0), name = character(0))
  for (ln in strsplit(model, "\n")[[1]]) {
    if (grepl("^[^=~]+~[^~=]", ln) && !grepl("~~|=~|:=", ln)) {
      parts <- strsplit(ln, "~")[[1]]; y <- trimws(parts[1])
      for (term in trimws(strsplit(parts[2], "\\+")[[1]])) {
        bits <- strsplit(term, "\\*")[[1]]; x <- trimws(bits[length(bits)])
        name <- if (length(bits) == 2) trimws(bits[1]) else paste0("b_", y, "_", x)
        regs[nrow(regs) + 1, ] <- c(y, x, name)
        out <- c(out, paste0(y, " ~ ", name, "*", x))
      }
    } else out <- c(out, ln)
  }
  list(lines = out, regs = regs)
}

all_paths <- function(regs, a, b, path = a) {
  if (tail(path, 1) == b && length(path) > 1) return(list(path))
  res <- list()
  for (nx in regs$y[regs$x == tail(path, 1)]) if (!(nx %in% path)) res <- c(res, all_paths(regs, a, b, c(path, nx)))
  res
}

keys_of <- function(fit) intersect(c("npar", "df", "chisq", "pvalue", "chisq.scaled", "pvalue.scaled", "cfi", "tli",
                                     "rmsea", "srmr", "cfi.robust", "rmsea.robust", "aic", "bic"), names(fitMeasures(fit)))

run_case <- function(cs) {
  d <- apply_derive(read_data(cs$data), cs$derive)
  lab <- label_model(cs$model)
  regs <- lab$regs
  nodes <- unique(c(regs$x, regs$y))
  coef_of <- function(x, y) regs$name[regs$x == x & regs$y == y]
  defs <- character(0); effects <- list()
  for (a in nodes) for (b in nodes) if (a != b) {
    ps <- all_paths(regs, a, b)
    if (!length(ps)) next
    direct <- if (length(coef_of(a, b))) coef_of(a, b) else NULL
    long <- Filter(function(p) length(p) > 2, ps)
    ind <- vapply(long, function(p) paste(mapply(coef_of, head(p, -1), p[-1]), collapse = " * "), "")
    k <- length(effects) + 1
    e <- list(from = a, to = b, direct = direct)
    if (length(ind)) {
      defs <- c(defs, paste0("ind", k, " := ", paste(ind, collapse = " + ")))
      e$indirect <- paste0("ind", k)
      if (!is.null(direct)) { defs <- c(defs, paste0("tot", k, " := ", direct, " + ", paste(ind, collapse = " + ")))
                              e$total <- paste0("tot", k) } else e$total <- e$indirect
    } else e$total <- direct
    effects[[k]] <- e
  }
  syntax <- paste(c(lab$lines, defs), collapse = "\n")
  fit <- sem(syntax, data = d, estimator = cs$estimator)
  pe <- parameterEstimates(fit, standardized = TRUE)
  value <- function(name) {
    if (is.null(name)) return(list(est = 0, se = NULL, pvalue = NULL, ci_lower = NULL, ci_upper = NULL, std = 0))
    num <- suppressWarnings(as.numeric(name))
    if (!is.na(num)) return(list(est = num, se = 0, pvalue = NULL, ci_lower = num, ci_upper = num, std = NULL))
    r <- pe[pe$label == name, ][1, ]
    list(est = r$est, se = r$se, pvalue = r$pvalue, ci_lower = r$ci.lower, ci_upper = r$ci.upper, std = r$std.all)
  }
  eff <- lapply(effects, function(e) list(from = e$from, to = e$to, direct = value(e$direct),
                                          indirect = value(e$indirect), total = value(e$total)))
  final <- setdiff(regs$y, regs$x)
  ipa <- NULL
  if (length(final) == 1 && !is.null(cs$performance)) {
    tots <- Filter(function(e) e$to == final, eff)
    src <- vapply(tots, function(e) e$from, "")
    imp <- vapply(tots, function(e) e$total$est, 0)
    lv <- lavNames(fit, "lv")
    perf <- vapply(src, function(s) {
      items <- cs$performance[[s]]
      mean(rowMeans(d[, items, drop = FALSE]), na.rm = TRUE)
    }, 0)
    ci <- mean(imp); cp <- mean(perf)
    ipa <- list(outcome = final, cut_importance = ci, cut_performance = cp,
                importance = as.list(setNames(imp, src)), performance = as.list(setNames(perf, src)),
                quadrant = as.list(setNames(quadrant(imp, perf, ci, cp), src)))
  }
  comparison <- NULL
  if (!is.null(cs$alternatives)) {      # ls.satisfaction_chain's named alternatives against the chain
    comparison <- lapply(names(cs$alternatives), function(nm) {
      alt <- sem(cs$alternatives[[nm]], data = d, estimator = cs$estimator)
      lrt <- lavTestLRT(fit, alt)
      list(model = nm, fit = as.list(fitMeasures(alt)[keys_of(alt)]), chisq_diff = lrt[2, "Chisq diff"],
           df_diff = lrt[2, "Df diff"], pvalue_diff = lrt[2, "Pr(>Chisq)"])
    })
  }
  fm <- fitMeasures(fit)
  c(cs, list(syntax = syntax, nobs = lavInspect(fit, "nobs"), fit = as.list(fm[keys_of(fit)]),
             r2 = as.list(lavInspect(fit, "r2")), effects = eff, ipa = ipa, comparison = comparison))
}

PDM <- "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8"
PD_RES <- "y1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8"
HS3 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
# a reduced ECSI model (lavaan 0.6-14 does not converge on the full seven-construct CB-SEM of mobi)
ECSI <- paste("Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5", "Value =~ PERV1 + PERV2",
              "Satisfaction =~ CUSA1 + CUSA2 + CUSA3", "Loyalty =~ CUSL1 + CUSL2 + CUSL3",
              "Value ~ Image", "Satisfaction ~ Image + Value", "Loyalty ~ Image + Satisfaction", sep = "\n")
MOBI_PERF <- L(Image = paste0("IMAG", 1:5), Value = paste0("PERV", 1:2), Satisfaction = paste0("CUSA", 1:3))
CRM <- paste("COMP =~ comp_1 + comp_2 + comp_3", "LIKE =~ like_1 + like_2 + like_3", "CUSL =~ cusl_1 + cusl_2 + cusl_3",
             "QUAL =~ qual_1 + qual_2 + qual_3 + qual_4", sep = "\n")
# the built-in satisfaction_chain instrument (1.0.0): its chain and the three named alternatives of
# ls.satisfaction_chain, on data simulated here from a known chain (500 respondents, answers
# rounded to the 1..7 scale; written to ../data/satisfaction_chain_sim.csv)
SC_ITEMS <- L(desires = "des", expectations = "exp", performance = "pp", desires_congruency = "dc",
              expectations_congruency = "ec", attribute_satisfaction = "as", information_satisfaction = "is",
              overall_satisfaction = "os")
SC_MEAS <- paste0(names(SC_ITEMS), " =~ ", sapply(SC_ITEMS, function(p) paste0(p, 1:3, collapse = " + ")), collapse = "\n")
SC_REGS <- c("desires_congruency ~ desires", "desires_congruency ~ performance", "expectations_congruency ~ expectations",
             "expectations_congruency ~ performance", "attribute_satisfaction ~ desires_congruency",
             "attribute_satisfaction ~ expectations_congruency", "information_satisfaction ~ desires_congruency",
             "information_satisfaction ~ expectations_congruency", "overall_satisfaction ~ attribute_satisfaction",
             "overall_satisfaction ~ information_satisfaction")
sc_model <- function(regs) paste(c(SC_MEAS, regs), collapse = "\n")
SC_ALTERNATIVES <- L(
  narrower = sc_model(setdiff(SC_REGS, "information_satisfaction ~ desires_congruency")),
  expectations_performance = sc_model(c(SC_REGS, "performance ~ expectations")),
  performance_attribute = sc_model(c(SC_REGS, "attribute_satisfaction ~ performance")))
local({
  pop <- paste(c(paste0(names(SC_ITEMS), " =~ ", sapply(SC_ITEMS, function(p) paste0("0.8*", p, 1:3, collapse = " + "))),
                 "desires_congruency ~ -0.3*desires + 0.5*performance", "expectations_congruency ~ -0.3*expectations + 0.4*performance",
                 "attribute_satisfaction ~ 0.5*desires_congruency + 0.3*expectations_congruency",
                 "information_satisfaction ~ 0.25*desires_congruency + 0.4*expectations_congruency",
                 "overall_satisfaction ~ 0.5*attribute_satisfaction + 0.3*information_satisfaction",
                 "desires ~~ 0.3*expectations + 0.2*performance", "expectations ~~ 0.4*performance"), collapse = "\n")
  sim <- simulateData(pop, sample.nobs = 500, seed = 20261129)
  sim[] <- lapply(sim, function(x) pmin(7, pmax(1, round(4 + 1.3 * x))))
  write.csv(sim, "../data/satisfaction_chain_sim.csv", row.names = FALSE)
})

cases <- L(
  L(name = "sc_instrument_chain_mlr", data = "satisfaction_chain_sim.csv", estimator = "MLR", model = sc_model(SC_REGS),
    alternatives = SC_ALTERNATIVES, instrument = "satisfaction_chain"),
  L(name = "sc_instrument_chain_ml", data = "satisfaction_chain_sim.csv", estimator = "ML", model = sc_model(SC_REGS),
    alternatives = SC_ALTERNATIVES, instrument = "satisfaction_chain"),
  L(name = "pd_bollen_ml", data = PD, estimator = "ML",
    model = paste(PDM, "dem60 ~ ind60\ndem65 ~ ind60 + dem60", PD_RES, sep = "\n"),
    performance = L(ind60 = c("x1", "x2", "x3"), dem60 = c("y1", "y2", "y3", "y4"))),
  L(name = "pd_bollen_mlr", data = PD, estimator = "MLR",
    model = paste(PDM, "dem60 ~ ind60\ndem65 ~ ind60 + dem60", PD_RES, sep = "\n")),
  L(name = "pd_chain_only_mlm", data = PD, estimator = "MLM", model = paste(PDM, "dem60 ~ ind60\ndem65 ~ dem60", sep = "\n")),
  L(name = "pd_user_labels", data = PD, estimator = "ML",
    model = paste(PDM, "dem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60\ny1 ~~ y5", sep = "\n")),
  L(name = "pd_fixed_path", data = PD, estimator = "ML", model = paste(PDM, "dem60 ~ 1.5*ind60\ndem65 ~ ind60 + dem60", sep = "\n")),
  L(name = "hs_three_step", data = HS, estimator = "ML", model = paste(HS3, "textual ~ visual\nspeed ~ textual + visual", sep = "\n"),
    performance = L(visual = c("x1", "x2", "x3"), textual = c("x4", "x5", "x6"))),
  L(name = "hs_three_step_mlr", data = HS, estimator = "MLR",
    model = paste(HS3, "textual ~ visual\nspeed ~ textual + visual", sep = "\n")),
  L(name = "hs_covariates", data = HS, estimator = "ML",
    model = paste(HS3, "visual ~ ageyr + sex\ntextual ~ visual + ageyr\nspeed ~ textual", sep = "\n")),
  L(name = "hs_observed_mediator", data = HS, estimator = "MLR",
    model = "visual =~ x1 + x2 + x3\nspeed =~ x7 + x8 + x9\nx5 ~ visual\nspeed ~ x5 + visual"),
  L(name = "hsm_listwise_chain", data = HSM, estimator = "ML", model = paste(HS3, "textual ~ visual\nspeed ~ textual", sep = "\n")),
  L(name = "mobi_ecsi_ml", data = MOBI, estimator = "ML", model = ECSI, performance = MOBI_PERF),
  L(name = "mobi_ecsi_mlr", data = MOBI, estimator = "MLR", model = ECSI, performance = MOBI_PERF),
  L(name = "cr_reputation_chain", data = CR, estimator = "MLR",
    model = paste(CRM, "COMP ~ QUAL\nLIKE ~ QUAL\ncusa ~ COMP + LIKE\nCUSL ~ cusa + LIKE + COMP", sep = "\n"),
    performance = L(QUAL = paste0("qual_", 1:4), COMP = paste0("comp_", 1:3), LIKE = paste0("like_", 1:3), cusa = "cusa")),
  L(name = "bfi_personality_chain", data = BFI, estimator = "MLR",
    model = paste("neuro =~ N1 + N2 + N3\nextra =~ E3 + E4 + E5\nagree =~ A2 + A3 + A5",
                  "extra ~ neuro\nagree ~ extra + neuro", sep = "\n"))
)
cases <- with_defaults(cases)
write_reference("chain.json", list(r2 = 2e-3, importance = 2e-3, est_rel = 1e-3, est_floor = 0.1, se_rel = 0.01, std_all = 2e-3,
                    chisq_rel = 2e-3, index = 2e-3, pvalue = 2e-3), "generate_chain.R", c("lavaan"), lapply(cases, run_case))
