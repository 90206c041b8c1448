# Cases (or "case:statistic,...") kept out of the equality tests of test_psych_sweep.py, with the reason
# (read by generate.R, written into the JSON files as "excluded"; see docs/psychometrics.md).
# case -> why it is not in the equality tests
FELDT_MATRIX <- paste("psych 2.2.9 bug: with a correlation matrix, alpha.ci(alpha, nsub, nvar) gets nsub =",
                      "dim(x)[1], the number of items, not n.obs; ours uses nobs (docs/psychometrics.md)")
FELDT_COV <- paste("psych 2.2.9 bug: with a covariance matrix, alpha.ci(alpha, nsub, nvar) gets nsub =",
                   "dim(x)[1], the number of items, not n.obs; ours uses nobs (docs/psychometrics.md)")
COMPLETE <- paste("a different definition, documented: ours use='listwise' is alpha(na.omit(x)) (checked in the",
                  "*_naomit cases); psych's use='complete.obs' takes the covariances from the complete rows but n,",
                  "item means and sds, the total score and the ASE from all rows. The covariance-based statistics",
                  "(alphas, G6, r, item correlations, alpha if deleted) agree and are compared")
NOT_IDENTIFIED <- paste("not identified (dof <= 0): the factor model has no unique solution, so the loadings are where",
                        "each optimiser stops; psych's minres minimises the off-diagonal residuals only (with the",
                        "gradient of the full criterion), ours the full criterion; psych reaches a lower RMSR here.",
                        "Ours warns that the fit statistics are undefined. Open: reproduce psych's criterion")
OMEGA_COV <- paste("psych 2.2.9 quirk: omega (omegah) takes a covariance matrix that is not a correlation matrix as",
                   "raw data (its rows as respondents) unless covar = TRUE; ours converts it with cov2cor as fa does",
                   "(docs/psychometrics.md)")
QUARTIMAX <- paste("psych 2.2.9 does not know rotate = 'Quartimax' ('Specified rotation not found, rotate = none",
                   "used'); ours takes the name as quartimax (GPArotation), documented in psychometrics/rotation.py")
TENBERGE_1F <- paste("psych 2.2.9 bug: invMatSqrt() of the 1 x 1 matrix L'R^-1 L calls diag() on a scalar, which",
                    "R reads as the size of an identity matrix, so the inverse square root becomes 1 and one-factor",
                    "tenBerge weights are the regression weights R^-1 L; ours scales them to unit score variance",
                    "(the tenBerge definition, as for k > 1 where both agree)")
EXCLUDED <- list(efa = list(`bfiN_1f_minres_tenberge:score weights,scores` = TENBERGE_1F, hs_3f_minres_Quartimax = QUARTIMAX, bfi25_5f_minres_Quartimax = QUARTIMAX, bfiAC_6f_minres_oblimin_dof0 = NOT_IDENTIFIED, bfiAC_6f_ml_varimax_dof0 = NOT_IDENTIFIED,
                            bfiN_3f_minres_oblimin_dofneg = NOT_IDENTIFIED, hs_6f_minres_varimax_dofneg = NOT_IDENTIFIED),
                 factorability = list(),
                 alpha = list(`bfiN_cor:feldt` = FELDT_MATRIX, `hs_textual_cor:feldt` = FELDT_MATRIX,
                              `hs_textual_cov:feldt` = FELDT_COV, `pd_y_cov:feldt` = FELDT_COV,
                              `bfiAC_holes_complete:ase,mean,sd,feldt,item mean,item sd,item n` = COMPLETE,
                              `hs_miss_complete:ase,mean,sd,feldt,item mean,item sd,item n` = COMPLETE),
                 omega = list(hscov_3_minres = OMEGA_COV), polychoric = list(), retention = list())
