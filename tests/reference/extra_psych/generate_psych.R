# Extra psychometrics reference cases computed by the project with R 4.2, psych 2.2.9,
# GPArotation 2022.10-2, semTools 0.5-6, lavaan 0.6-14 (Debian r-cran-*).
# They widen the checks of ../cases/bfi_*.json to more rotations, extraction methods, data sets
# and settings. Run from this folder: Rscript generate_psych.R
suppressMessages({library(psych); library(GPArotation); library(semTools); library(lavaan); library(jsonlite)})
bfi <- read.csv("../../../loyaltyscope/datasets/data/bfi.csv")
hs  <- read.csv("../../../loyaltyscope/datasets/data/holzinger_swineford_1939.csv")
B25 <- c(paste0("A",1:5),paste0("C",1:5),paste0("E",1:5),paste0("N",1:5),paste0("O",1:5))
REV <- c("A1","C4","C5","E1","E2","O2","O5")
bfir <- bfi[, B25]; for (v in REV) bfir[[v]] <- 7 - bfir[[v]]
HS9 <- paste0("x", 1:9)
hsx <- hs[, HS9]
mat <- function(m) unname(lapply(seq_len(nrow(m)), function(i) as.numeric(m[i, ])))
named <- function(v) as.list(setNames(as.numeric(v), names(v)))
out <- function(obj, file) writeLines(toJSON(obj, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = FALSE), file)

## ---- EFA --------------------------------------------------------------------------------
efa_case <- function(x, nf, fm, rot, data, items, reversed = character(0), cor = "cor", scores = "regression") {
  f <- suppressWarnings(fa(x, nfactors = nf, fm = fm, rotate = rot, cor = cor, scores = scores))
  L <- unclass(f$loadings)
  res <- list(data = data, items = items, reversed = reversed, n_factors = nf, fm = fm, rotate = rot, cor = cor,
              loadings = mat(L), communality = named(f$communality), uniquenesses = named(f$uniquenesses),
              phi = if (is.null(f$Phi)) NULL else mat(f$Phi),
              ss_loadings = as.numeric(f$Vaccounted[1, ]),
              values = as.numeric(f$values), e_values = as.numeric(f$e.values),
              rms = f$rms, chi = f$chi, statistic = f$STATISTIC, dof = f$dof, objective = f$objective,
              tli = if (is.null(f$TLI)) NULL else f$TLI, rmsea = as.numeric(f$RMSEA[1:3]), bic = f$BIC,
              null_chisq = f$null.chisq, null_dof = f$null.dof, fit = f$fit, fit_off = f$fit.off,
              scores_method = scores,
              weights = mat(f$weights),
              scores_head = if (is.null(f$scores)) NULL else mat(f$scores[1:10, , drop = FALSE]))
  res
}
efa <- list()
for (rot in c("none", "varimax", "quartimax", "equamax", "promax", "oblimin", "quartimin", "geominT", "geominQ"))
  for (fm in c("minres", "ml", "pa"))
    efa[[paste("hs", fm, rot, sep = "_")]] <- efa_case(hsx, 3, fm, rot, "holzinger_swineford_1939.csv", HS9)
for (rot in c("none", "varimax", "quartimax", "equamax", "promax", "oblimin", "quartimin", "geominT", "geominQ"))
  efa[[paste("bfi", "minres", rot, sep = "_")]] <- efa_case(bfi[, B25], 5, "minres", rot, "bfi.csv", B25)
efa[["bfi_ml_oblimin"]] <- efa_case(bfi[, B25], 5, "ml", "oblimin", "bfi.csv", B25)
# geominQ with 8 factors: psych's single (identity) start ends in a local optimum of the criterion
efa[["bfi_minres_geominQ_8f"]] <- efa_case(bfi[, B25], 8, "minres", "geominQ", "bfi.csv", B25)
efa[["bfi_pa_varimax"]] <- efa_case(bfi[, B25], 5, "pa", "varimax", "bfi.csv", B25)
efa[["bfi_minres_oblimin_3f_bartlett"]] <- efa_case(bfi[, B25], 3, "minres", "oblimin", "bfi.csv", B25, scores = "Bartlett")
efa[["bfi_minres_1f"]] <- efa_case(bfir[, paste0("N",1:5)], 1, "minres", "oblimin", "bfi.csv", paste0("N",1:5))
efa[["bfi_ml_1f"]] <- efa_case(bfir[, paste0("N",1:5)], 1, "ml", "none", "bfi.csv", paste0("N",1:5))
efa[["bfi10_poly_minres_oblimin"]] <- efa_case(bfi[, B25[1:10]], 2, "minres", "oblimin", "bfi.csv", B25[1:10], cor = "poly")
# correlation matrix input with n.obs
rhs <- cor(hsx)
f <- fa(rhs, 3, n.obs = 301, fm = "ml", rotate = "promax")
efa[["hs_cormatrix_ml_promax"]] <- list(data = "holzinger_swineford_1939.csv", items = HS9, n_obs = 301, input = "correlation",
  n_factors = 3, fm = "ml", rotate = "promax", loadings = mat(unclass(f$loadings)), phi = mat(f$Phi),
  communality = named(f$communality), rms = f$rms, statistic = f$STATISTIC, dof = f$dof, tli = f$TLI,
  rmsea = as.numeric(f$RMSEA[1:3]), objective = f$objective)
out(efa, "efa.json")

## ---- retention --------------------------------------------------------------------------
ret <- list()
for (nm in c("hs", "bfi")) {
  x <- if (nm == "hs") hsx else bfi[, B25]
  k <- KMO(x); b <- suppressMessages(cortest.bartlett(x))
  v <- VSS(x, n = 8, plot = FALSE)
  f1 <- fa(cor(x, use = "pairwise"), 1, rotate = "none", fm = "minres", warnings = FALSE)
  ret[[nm]] <- list(items = colnames(x), kmo_overall = k$MSA, kmo_items = named(k$MSAi),
                    bartlett = list(chisq = b$chisq, df = b$df, p = b$p.value),
                    map = as.numeric(v$map), map_nfact = which.min(v$map),
                    pc_values = as.numeric(eigen(cor(x, use = "pairwise"))$values),
                    fa_values = as.numeric(f1$values))
}
set.seed(1)
p <- fa.parallel(bfi[, B25], n.iter = 100, plot = FALSE)
ret$bfi$parallel <- list(nfact = p$nfact, ncomp = p$ncomp)
set.seed(1)
p <- fa.parallel(hsx, n.iter = 100, plot = FALSE)
ret$hs$parallel <- list(nfact = p$nfact, ncomp = p$ncomp)
out(ret, "retention.json")

## ---- reliability --------------------------------------------------------------------------
alpha_case <- function(x) {
  a <- suppressWarnings(alpha(x, warnings = FALSE))
  list(items = colnames(x), raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha, g6 = a$total[["G6(smc)"]],
       average_r = a$total$average_r, s_n = a$total[["S/N"]], ase = a$total$ase, mean = a$total$mean, sd = a$total$sd,
       median_r = a$total$median_r, feldt = list(lower = as.numeric(a$feldt$lower.ci), upper = as.numeric(a$feldt$upper.ci)),
       item_stats = list(n = named(setNames(a$item.stats$n, rownames(a$item.stats))),
                         raw_r = named(setNames(a$item.stats$raw.r, rownames(a$item.stats))),
                         std_r = named(setNames(a$item.stats$std.r, rownames(a$item.stats))),
                         r_cor = named(setNames(a$item.stats$r.cor, rownames(a$item.stats))),
                         r_drop = named(setNames(a$item.stats$r.drop, rownames(a$item.stats))),
                         mean = named(setNames(a$item.stats$mean, rownames(a$item.stats))),
                         sd = named(setNames(a$item.stats$sd, rownames(a$item.stats)))),
       alpha_drop = list(raw_alpha = named(setNames(a$alpha.drop$raw_alpha, rownames(a$alpha.drop))),
                         std_alpha = named(setNames(a$alpha.drop$std.alpha, rownames(a$alpha.drop))),
                         average_r = named(setNames(a$alpha.drop$average_r, rownames(a$alpha.drop)))))
}
rel <- list(alpha = list(), omega = list())
rel$alpha$hs_visual <- alpha_case(hsx[, 1:3])
rel$alpha$hs_all <- alpha_case(hsx)
rel$alpha$bfi_N <- alpha_case(bfir[, paste0("N", 1:5)])
rel$alpha$bfi_unreversed_A <- alpha_case(bfi[, paste0("A", 1:5)])
rel$alpha$bfi_all_reversed <- alpha_case(bfir)
# from a correlation matrix with n.obs
am <- suppressWarnings(alpha(cor(bfir[, paste0("N", 1:5)], use = "pairwise"), n.obs = 2800, warnings = FALSE))
rel$alpha_matrix <- list(items = paste0("N", 1:5), n_obs = 2800, raw_alpha = am$total$raw_alpha, std_alpha = am$total$std.alpha,
                         ase = am$total$ase, r_drop = as.numeric(am$item.stats$r.drop),
                         alpha_if_deleted = as.numeric(am$alpha.drop$raw_alpha),
                         feldt = list(lower = as.numeric(am$feldt$lower.ci), upper = as.numeric(am$feldt$upper.ci)))
om_case <- function(x, nf, fm) {
  o <- suppressWarnings(suppressMessages(omega(x, nfactors = nf, fm = fm, plot = FALSE)))
  list(items = colnames(x), n_factors = nf, fm = fm, omega_h = o$omega_h, omega_tot = o$omega.tot, alpha = o$alpha,
       omega_lim = o$omega.lim, g6 = o$G6, ecv = as.numeric(o$ECV),
       g_loadings = as.numeric(o$schmid$sl[, 1]), h2 = as.numeric(o$schmid$sl[, "h2"]))
}
rel$omega$hs_3 <- om_case(hsx, 3, "minres")
rel$omega$bfi_5 <- om_case(bfir, 5, "minres")
rel$omega$bfi_3_ml <- om_case(bfir, 3, "ml")
HSM <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
fit <- cfa(HSM, hs)
rel$cfa_hs <- list(model = HSM, omega = named(compRelSEM(fit)), ave = named(AVE(fit)),
                   htmt = mat(htmt(HSM, hsx)), htmt_arith = mat(htmt(HSM, hsx, htmt2 = FALSE)),
                   htmt_pairwise_bfi = mat(htmt("A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5\nN =~ N1 + N2 + N3 + N4 + N5", bfir, missing = "pairwise")),
                   names = c("visual", "textual", "speed"))
out(rel, "reliability.json")

## ---- polychoric ---------------------------------------------------------------------------
pc <- list()
poly_case <- function(x) {
  w <- character(0)
  p <- withCallingHandlers(polychoric(x), warning = function(wn) { w <<- c(w, conditionMessage(wn)); invokeRestart("muffleWarning") })
  list(items = colnames(x), rho = mat(p$rho), tau = mat(p$tau), warnings = w)
}
pc$bfi25 <- poly_case(bfi[, B25])
pc$bfi_A_first150 <- poly_case(bfi[1:150, paste0("A", 1:5)])
u <- bfi[1:400, paste0("C", 1:5)]; u$C1[u$C1 == 6] <- 5          # unequal number of categories -> global = FALSE
pc$bfi_C_unequal <- poly_case(u)
u <- bfi[, paste0("E", 1:4)]; u$E1[u$E1 == 2] <- 1               # an empty inner category (global thresholds)
pc$bfi_E_empty_cat <- poly_case(u)
pc$bfi_C_unequal$rows <- 400; pc$bfi_A_first150$rows <- 150
out(pc, "polychoric.json")
