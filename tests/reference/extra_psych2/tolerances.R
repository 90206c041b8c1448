# Tolerances of the sweep (read by generate.R, written into every JSON file). Absolute unless the
# name ends in _rel (relative to max(|psych|, 1)).
TOLERANCES <- list(
  efa = list(loading = 1e-3, communality = 1e-3, phi = 1e-3, eigenvalue = 1e-3, rmsr = 1e-4, chisq_rel = 1e-3,
             pvalue = 1e-3, objective_rel = 1e-3, tli = 1e-3, fit = 1e-4, rmsea = 1e-3, scores = 2e-3),
  factorability = list(kmo = 1e-8, bartlett_chisq_rel = 1e-8, bartlett_p = 1e-10),
  alpha = list(alpha = 1e-8, ase = 1e-8),
  omega = list(omega = 2e-3, loading = 5e-3),
  polychoric = list(rho = 5e-4, tau = 1e-8),
  retention = list(map = 1e-8, pc_eigenvalue = 1e-8, fa_eigenvalue = 1e-3)
)
# case -> why it is not in the equality tests
FELDT_MATRIX <- paste("psych 2.2.9 bug: with a correlation matrix, alpha.ci(alpha, nsub, nvar) gets nsub =",
                      "dim(x)[1], the number of items, not n.obs; ours uses nobs (docs/psychometrics.md)")
EXCLUDED <- list(efa = list(), factorability = list(),
                 alpha = list(`bfiN_cor:feldt` = FELDT_MATRIX, `hs_textual_cor:feldt` = FELDT_MATRIX),
                 omega = list(), polychoric = list(), retention = list())
