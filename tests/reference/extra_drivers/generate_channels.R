# Reference values for ls.channel_preferences (tests/analyses/test_drivers_sweep.py), computed with
# R 4.2, psych 2.2.9 and lavaan 0.6-14 on the bundled data, each construct of a case a "channel":
#   - psych::KMO(X)$MSA, psych::cortest.bartlett(X) (pairwise correlations, n = rows), the MAP
#     choice which.min(psych::VSS(X, n = p - 1)$map);
#   - psych::fa(X, nfactors, fm = "minres", rotate = "oblimin", cor = "poly" | "cor"); each factor
#     named by Tucker's congruence with the channels' 0/1 pattern (psych::factor.congruence, one
#     channel per factor by the largest |phi|: Hungarian assignment, clue::solve_LSAP when
#     installed, else all permutations), signs flipped to a positive congruence; each item
#     assigned to the factor with the largest |loading|;
#   - the hypothesized CFA (lavaan::cfa) and the models with fewer factors made by merging, step
#     by step, the two channel groups with the highest mean latent correlation (std.all); fit
#     measures and lavTestLRT against the hypothesized model;
#   - scores = rowMeans(items, na.rm = TRUE) per channel (the items in `reverse`, an instrument's
#     reverse-keyed bfi items, reversed as 7 - x first); preferred = the channel with the
#     highest score, "tie" when several share it; with `group`, the channel means, the shares of
#     each preferred channel (among respondents with one) and the group sizes.
# Run from this folder: Rscript generate_channels.R   (writes channels.json)
suppressMessages({library(lavaan); library(psych)})
source("common.R")   # read_data, apply_derive, quadrant, HS/PD/..., L, with_defaults, write_reference

perms <- function(v) if (length(v) <= 1) list(v) else do.call(c, lapply(seq_along(v), function(i)
  lapply(perms(v[-i]), function(p) c(v[i], p))))

best_assignment <- function(phi) {    # factors (rows) -> channels (columns), maximising sum |phi|
  k <- nrow(phi); m <- ncol(phi)
  best <- -Inf; out <- NULL
  for (p in perms(seq_len(m))) {
    s <- sum(abs(phi[cbind(seq_len(min(k, m)), p[seq_len(min(k, m))])]))
    if (s > best + 1e-12) { best <- s; out <- p[seq_len(min(k, m))] }
  }
  out
}

syntax <- function(groups) paste0(names(groups), " =~ ", sapply(groups, paste, collapse = " + "), collapse = "\n")

run_case <- function(cs) {
  d <- apply_derive(read_data(cs$data), cs$derive)
  groups <- cs$channels
  items <- unlist(groups, use.names = FALSE)
  X <- d[, items]
  k <- cs$n_factors
  kmo <- KMO(X)$MSA
  bt <- cortest.bartlett(cor(X, use = "pairwise"), n = nrow(X))
  map <- which.min(VSS(X, n = length(items) - 1, plot = FALSE)$map)
  f <- fa(X, nfactors = k, fm = "minres", rotate = "oblimin", cor = cs$cor)
  Lm <- unclass(f$loadings)[items, , drop = FALSE]
  H <- sapply(groups, function(its) as.numeric(items %in% its))
  phi <- factor.congruence(Lm, H)
  asg <- best_assignment(phi)
  nm <- paste("factor", seq_len(k)); sg <- rep(1, k)
  for (r in seq_along(asg)) { nm[r] <- names(groups)[asg[r]]; sg[r] <- if (phi[r, asg[r]] < 0) -1 else 1 }
  Lm <- sweep(Lm, 2, sg, "*"); colnames(Lm) <- nm
  assignment <- setNames(nm[apply(abs(Lm), 1, which.max)], items)
  # CFA comparison
  keys <- c("npar", "df", "chisq", "cfi", "tli", "rmsea", "srmr", "aic", "bic", if (cs$estimator != "ML") "chisq.scaled")
  hyp <- cfa(syntax(groups), d, estimator = cs$estimator)
  std <- standardizedSolution(hyp)
  corr <- function(a, b) { r <- std[std$op == "~~" & ((std$lhs == a & std$rhs == b) | (std$lhs == b & std$rhs == a)), "est.std"]
                           if (length(r)) r else 0 }
  members <- setNames(lapply(names(groups), identity), names(groups))
  comparison <- list(list(model = "hypothesized", fit = as.list(fitMeasures(hyp)[keys])))
  while (length(members) > 1) {
    best <- -Inf; pair <- NULL; ks <- names(members)
    for (i in seq_along(ks)) for (j in seq_along(ks)) if (j > i) {
      v <- mean(outer(members[[ks[i]]], members[[ks[j]]], Vectorize(corr)))
      if (v > best) { best <- v; pair <- c(ks[i], ks[j]) }
    }
    new <- paste0(pair[1], "+", pair[2])
    members <- c(members[setdiff(names(members), pair)], setNames(list(c(members[[pair[1]]], members[[pair[2]]])), new))
    model <- setNames(lapply(members, function(g) unlist(groups[g], use.names = FALSE)), gsub("+", "_", names(members), fixed = TRUE))
    fm <- cfa(syntax(model), d, estimator = cs$estimator)
    lrt <- lavTestLRT(hyp, fm)
    comparison[[length(comparison) + 1]] <- list(
      model = sprintf("%d factor%s (merged %s & %s)", length(members), if (length(members) > 1) "s" else "", pair[1], pair[2]),
      fit = as.list(fitMeasures(fm)[keys]), chisq_diff = lrt[2, "Chisq diff"], df_diff = lrt[2, "Df diff"],
      pvalue_diff = lrt[2, "Pr(>Chisq)"])
  }
  scores <- sapply(groups, function(its) rowMeans(sapply(its, function(i) if (i %in% cs$reverse) 7 - d[[i]] else d[[i]]),
                                                  na.rm = TRUE))
  top <- apply(scores, 1, function(r) if (all(is.na(r))) NA else max(r, na.rm = TRUE))
  pref <- sapply(seq_len(nrow(scores)), function(i) {
    if (is.na(top[i])) return(NA)
    w <- which(scores[i, ] == top[i]); if (length(w) > 1) "tie" else colnames(scores)[w] })
  profiles <- NULL
  if (!is.null(cs$group)) {      # channel means and shares of each preferred channel by group
    g <- d[[cs$group]]
    profiles <- lapply(sort(unique(g[!is.na(g)])), function(v) {
      rows <- !is.na(g) & g == v
      p <- pref[rows]; p <- p[!is.na(p)]
      list(group = v, means = as.list(colMeans(scores[rows, , drop = FALSE], na.rm = TRUE)),
           shares = as.list(table(p) / length(p)), n = sum(rows))
    })
  }
  c(cs, list(profiles = profiles, kmo = kmo, bartlett = list(chisq = bt$chisq, df = bt$df, pvalue = bt$p.value), map = unname(map),
             loadings = lapply(seq_len(k), function(j) list(factor = nm[j], values = as.list(Lm[, j]))),
             congruence_names = nm, assignment = as.list(assignment), comparison = comparison,
             preferred_counts = as.list(table(pref, useNA = "no")), n_no_score = sum(is.na(top))))
}

bfi_groups <- function(letters) setNames(lapply(letters, function(l) paste0(l, 1:5)), letters)
cases <- L(
  L(name = "bfi_five_poly", data = BFI, channels = bfi_groups(c("A", "C", "E", "N", "O")), n_factors = 5, cor = "poly",
    scale = L(min = 1, max = 6), estimator = "MLR"),
  L(name = "bfi_three_poly", data = BFI, channels = bfi_groups(c("C", "N", "O")), n_factors = 3, cor = "poly",
    scale = L(min = 1, max = 6), estimator = "ML"),
  L(name = "bfi_three_poly_keyed", data = BFI, channels = bfi_groups(c("C", "N", "O")), n_factors = 3, cor = "poly",
    scale = L(min = 1, max = 6), estimator = "ML", reverse = c("C4", "C5", "O2", "O5"), group = "education"),
  L(name = "bfi_four_channels_three_factors", data = BFI, channels = bfi_groups(c("A", "C", "E", "N")), n_factors = 3,
    cor = "poly", scale = L(min = 1, max = 6), estimator = "MLR"),
  L(name = "mobi_four_pearson", data = MOBI, cor = "cor", scale = L(min = 1, max = 10), n_factors = 4, estimator = "MLR",
    channels = L(image = paste0("IMAG", 1:5), satisfaction = paste0("CUSA", 1:3), loyalty = paste0("CUSL", 1:3),
                 expectation = paste0("CUEX", 1:3))),
  L(name = "cr_three_poly", data = CR, cor = "poly", scale = L(min = 1, max = 7), n_factors = 3, estimator = "MLR",
    channels = L(comp = paste0("comp_", 1:3), like = paste0("like_", 1:3), csor = paste0("csor_", 1:5)))
)

cases <- with_defaults(cases, reverse = character(0), group = NULL)
write_reference("channels.json", list(r2 = 2e-3, importance = 2e-3, kmo = 1e-3, bartlett_chisq_rel = 1e-6, loading = 1e-2,
                    chisq_rel = 2e-3, index = 2e-3, pvalue = 2e-3), "generate_channels.R", c("lavaan", "psych"), lapply(cases, run_case))
