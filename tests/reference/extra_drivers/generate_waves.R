# Reference values for ls.compare_waves (tests/analyses/test_drivers_sweep.py), computed in R 4.2:
#   - the invariance ladder with lavaan 0.6-14: cfa(model, data, group = wave, group.equal =
#     c() / "loadings" / c("loadings", "intercepts"), estimator), fitMeasures, lavTestLRT between
#     steps (Satorra-Bentler 2001 for MLR); the supported level by ΔCFI >= -0.010 and ΔRMSEA <=
#     0.015 (robust CFI/RMSEA for MLR);
#   - latent means of the scalar model (first wave's fixed at 0): parameterEstimates, and
#     d = kappa / sqrt(psi of the first wave);
#   - scale scores = rowMeans(items, na.rm = TRUE), the items listed in `reverse` (an instrument's
#     reverse-keyed bfi items) reversed as 7 - x first (psych::scoreItems(keys, impute = "none"));
#     Welch's ANOVA: oneway.test(score ~ wave, var.equal = FALSE); eta² = SS_between / SS_total;
#     with two waves also t.test(var.equal = FALSE) (F = t²);
#   - Games-Howell from the definition (Games & Howell 1976): t = (m_A - m_B) / sqrt(v_A/n_A +
#     v_B/n_B), Welch df, p = ptukey(sqrt(2) |t|, k, df, lower.tail = FALSE); Hedges' g with the
#     pooled SD and the correction 1 - 3 / (4 (n_A + n_B) - 9) (pingouin's `hedges`; `hedges_exact`
#     with the exact gamma correction kept for comparison); pairs in sorted wave order;
#   - NPS per wave (promoters 9-10, detractors 0-6; Wald SE 100 sqrt((P + D - (P - D)²) / n),
#     Rocks 2016) and its change from the first wave with z sqrt(se_1² + se_k²).
# Waves are in order of first appearance (lavaan's group order for a non-factor column).
# Run from this folder: Rscript generate_waves.R   (writes waves.json)
suppressMessages(library(lavaan))
source("common.R")   # read_data, apply_derive, quadrant, HS/PD/..., L, with_defaults, write_reference

measurement <- function(model) {
  out <- list()
  for (ln in strsplit(model, "\n")[[1]]) if (grepl("=~", ln)) {
    parts <- strsplit(ln, "=~")[[1]]
    out[[trimws(parts[1])]] <- trimws(strsplit(parts[2], "\\+")[[1]])
  }
  out
}

LEVELS <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"))

run_case <- function(cs) {
  d <- apply_derive(read_data(cs$data), cs$derive)
  d[[cs$wave]] <- as.character(d[[cs$wave]])
  waves <- unique(d[[cs$wave]][!is.na(d[[cs$wave]])])
  robust <- cs$estimator %in% c("MLR", "MLM")
  fits <- lapply(LEVELS, function(eq) cfa(cs$model, data = d, group = cs$wave, group.equal = eq,
                                          estimator = cs$estimator))
  stopifnot(identical(lavInspect(fits$configural, "group.label"), waves))
  keys <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr",
            if (robust) c("chisq.scaled", "cfi.robust", "rmsea.robust"))
  inv <- list(); level <- "configural"; still <- TRUE
  for (k in seq_along(fits)) {
    fm <- fitMeasures(fits[[k]])
    row <- as.list(fm[keys])
    if (k > 1) {
      lrt <- lavTestLRT(fits[[k]], fits[[k - 1]])
      ck <- if (robust) "cfi.robust" else "cfi"; rk <- if (robust) "rmsea.robust" else "rmsea"
      dc <- fm[[ck]] - fitMeasures(fits[[k - 1]])[[ck]]
      dr <- fm[[rk]] - fitMeasures(fits[[k - 1]])[[rk]]
      row <- c(row, list(delta_chisq = lrt[2, "Chisq diff"], delta_df = lrt[2, "Df diff"],
                         delta_pvalue = lrt[2, "Pr(>Chisq)"], delta_cfi = dc, delta_rmsea = dr))
      if (still && dc >= -0.010 && dr <= 0.015) level <- names(fits)[k] else still <- FALSE
    }
    inv[[names(fits)[k]]] <- row
  }
  pe <- parameterEstimates(fits$scalar)
  lvs <- names(measurement(cs$model))
  latent <- list()
  for (g in seq_along(waves)[-1]) for (lv in lvs) {
    m <- pe[pe$op == "~1" & pe$lhs == lv & pe$group == g, ]
    psi <- pe[pe$op == "~~" & pe$lhs == lv & pe$rhs == lv & pe$group == 1, "est"]
    latent[[length(latent) + 1]] <- list(construct = lv, wave = waves[g], est = m$est, se = m$se, z = m$z,
                                         pvalue = m$pvalue, ci_lower = m$ci.lower, ci_upper = m$ci.upper,
                                         d = m$est / sqrt(psi))
  }
  groups <- measurement(cs$model)
  scale <- list(); pairs <- list()
  for (cn in names(groups)) {
    s <- rowMeans(sapply(groups[[cn]], function(i) if (i %in% cs$reverse) 7 - d[[i]] else d[[i]]), na.rm = TRUE)
    ok <- !is.na(s) & !is.na(d[[cs$wave]])
    dd <- data.frame(score = s[ok], wave = d[[cs$wave]][ok])
    ow <- oneway.test(score ~ wave, data = dd, var.equal = FALSE)
    gm <- tapply(dd$score, dd$wave, mean)
    sst <- sum((dd$score - mean(dd$score))^2)
    ssb <- sum(tapply(dd$score, dd$wave, length) * (gm - mean(dd$score))^2)
    row <- list(construct = cn, F = unname(ow$statistic), df1 = unname(ow$parameter[1]),
                df2 = unname(ow$parameter[2]), pvalue = ow$p.value, np2 = ssb / sst, means = as.list(gm))
    if (length(waves) == 2) {
      tt <- t.test(dd$score[dd$wave == waves[1]], dd$score[dd$wave == waves[2]], var.equal = FALSE)
      row$welch_t <- unname(tt$statistic); row$welch_t_df <- unname(tt$parameter); row$welch_t_p <- tt$p.value
    }
    scale[[cn]] <- row
    lab <- sort(unique(dd$wave)); k <- length(lab)
    for (i in 1:(k - 1)) for (j in (i + 1):k) {
      a <- dd$score[dd$wave == lab[i]]; b <- dd$score[dd$wave == lab[j]]
      na <- length(a); nb <- length(b); va <- var(a) / na; vb <- var(b) / nb
      tstat <- (mean(a) - mean(b)) / sqrt(va + vb)
      df <- (va + vb)^2 / (va^2 / (na - 1) + vb^2 / (nb - 1))
      dcoh <- (mean(a) - mean(b)) / sqrt(((na - 1) * var(a) + (nb - 1) * var(b)) / (na + nb - 2))
      m <- na + nb - 2
      pairs[[length(pairs) + 1]] <- list(
        construct = cn, A = lab[i], B = lab[j], mean_A = mean(a), mean_B = mean(b), diff = mean(a) - mean(b),
        se = sqrt(va + vb), T = tstat, df = df, pval = ptukey(sqrt(2) * abs(tstat), k, df, lower.tail = FALSE),
        hedges = dcoh * (1 - 3 / (4 * (na + nb) - 9)),
        hedges_exact = dcoh * exp(lgamma(m / 2) - log(sqrt(m / 2)) - lgamma((m - 1) / 2)))
    }
  }
  nps <- NULL
  if (!is.null(cs$nps_item)) {
    z <- qnorm(0.975); nps <- list()
    for (w in waves) {
      v <- d[[cs$nps_item]][d[[cs$wave]] %in% w]; v <- v[!is.na(v)]
      P <- mean(v >= 9); D <- mean(v <= 6); n <- length(v)
      se <- 100 * sqrt(max(P + D - (P - D)^2, 0) / n)
      nps[[w]] <- list(nps = 100 * (P - D), se = se, ci_low = max(-100, 100 * (P - D) - z * se),
                       ci_high = min(100, 100 * (P - D) + z * se), n = n)
    }
    for (w in waves[-1]) {
      ch <- nps[[w]]$nps - nps[[waves[1]]]$nps
      s <- sqrt(nps[[w]]$se^2 + nps[[waves[1]]]$se^2)
      nps[[w]] <- c(nps[[w]], list(change = ch, change_low = ch - z * s, change_high = ch + z * s))
    }
  }
  c(cs, list(waves = waves, nobs = lavInspect(fits$configural, "nobs"), invariance = inv, level = level,
             latent_means = latent, scale_tests = scale, pairwise = pairs, nps = nps))
}

HS3 <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
cases <- L(
  L(name = "hs_school", data = HS, wave = "school", model = HS3, estimator = "ML"),
  L(name = "hs_school_mlr", data = HS, wave = "school", model = HS3, estimator = "MLR"),
  L(name = "hs_school_mlm", data = HS, wave = "school", model = HS3, estimator = "MLM"),
  L(name = "hs_grade_textual", data = HS, wave = "grade", model = "textual =~ x4 + x5 + x6", estimator = "ML"),
  L(name = "hsm_school", data = HSM, wave = "school", model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6",
    estimator = "ML"),
  L(name = "hs_three_waves", data = HS, wave = "w", model = "visual =~ x1 + x2 + x3\nspeed =~ x7 + x8 + x9",
    estimator = "ML", derive = L(L(op = "cycle", name = "w", values = c("2024", "2025", "2026")))),
  L(name = "pd_halves", data = PD, wave = "w", model = "ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4",
    estimator = "ML", derive = L(L(op = "cycle", name = "w", values = c("b", "a")))),
  L(name = "bfi_gender", data = BFI, wave = "gender", model = "agree =~ A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3",
    estimator = "ML"),
  L(name = "bfi_gender_instrument_keyed", data = BFI, wave = "gender", estimator = "ML",
    model = "A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5", reverse = c("A1", "C4", "C5")),
  L(name = "bfi_education_mlr", data = BFI, wave = "education", model = "neuro =~ N1 + N2 + N3 + N4 + N5",
    estimator = "MLR"),
  L(name = "mobi_waves_nps", data = MOBI, wave = "w", nps_item = "CUSL2", estimator = "ML",
    model = "satis =~ CUSA1 + CUSA2 + CUSA3\nvalue =~ PERV1 + PERV2 + CUEX1",
    derive = L(L(op = "cycle", name = "w", values = c("spring", "autumn")))),
  L(name = "mobi_three_waves_nps", data = MOBI, wave = "w", nps_item = "CUSL1", estimator = "MLR",
    model = "image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5",
    derive = L(L(op = "cycle", name = "w", values = c("w1", "w1", "w2", "w3")))),
  L(name = "cr_servicetype", data = CR, wave = "servicetype", estimator = "ML",
    model = "comp =~ comp_1 + comp_2 + comp_3\nlike =~ like_1 + like_2 + like_3\ncusl =~ cusl_1 + cusl_2 + cusl_3")
)
cases <- with_defaults(cases, nps_item = NULL, reverse = character(0))
write_reference("waves.json", list(r2 = 1e-9, importance = 1e-9, chisq_rel = 2e-3, index = 2e-3, est_rel = 1e-3, est_floor = 0.1,
                    se_rel = 1e-2, welch = 1e-8, pairwise = 1e-8, pvalue = 1e-6, nps = 1e-9), "generate_waves.R", c("lavaan"),
                lapply(cases, run_case))
