# Reference cases for ESEM (exploratory SEM blocks, lavaan 0.6-14): groups, group.equal,
# structural paths to and from the factors of an EFA block, covariates, MLR, FIML, geomin and
# oblimin, lavaan's default rotation.se = "bordered" and rotation.se = "delta".
# Same JSON format as ../extra_core/*.json (`warnings` = lavaan's warnings while fitting).
# Run from this folder: Rscript generate.R   (R 4.2 + lavaan 0.6-14)
source("../lavaan_cases.R")   # case_data(), fit_case(), case_json(), write_case()
B2  <- 'efa("b")*f1 + efa("b")*f2 =~ x1 + x2 + x3 + x4 + x5 + x6'
ESEM   <- paste0(B2, '\nspeed =~ x7 + x8 + x9')
PRED   <- paste0(ESEM, '\nspeed ~ f1 + f2')                                # EFA block as predictors of a CFA factor
ONCFA  <- paste0('speed =~ x7 + x8 + x9\n', B2, '\nf1 + f2 ~ speed')        # CFA factor predicting the block (ESEM within CFA)
COV    <- paste0(ESEM, '\nf1 + f2 ~ ageyr + sex')                          # covariates (MIMIC on the block)
OBS    <- paste0(B2, '\nx9 ~ f1 + f2 + ageyr')                              # observed outcome of the block
BFI3   <- paste0('efa("b")*F1 + efa("b")*F2 + efa("b")*F3 =~ A1 + A2 + A3 + A4 + A5 + C1 + C2 + C3 + C4 + C5 + ',
                 'E1 + E2 + E3 + E4 + E5\nF1 + F2 + F3 ~ age')
BFI2B  <- paste0('efa("a")*F1 + efa("a")*F2 =~ A1 + A2 + A3 + A4 + A5 + C1 + C2 + C3 + C4 + C5\n',
                 'efa("n")*F3 + efa("n")*F4 =~ N1 + N2 + N3 + N4 + N5 + O1 + O2 + O3 + O4 + O5\nF3 ~ F1 + F2')
DEF    <- paste0(ESEM, '\nspeed ~ a*f1 + b*f2\ntotal := a + b')                 # labelled rotated paths, a defined parameter
ORD    <- 'efa("b")*F1 + efa("b")*F2 =~ A1 + A2 + A3 + A4 + A5 + C1 + C2 + C3 + C4 + C5'
ORDP   <- paste0(ORD, '\nN =~ N1 + N2 + N3\nN ~ F1 + F2')
AC <- c(paste0("A", 1:5), paste0("C", 1:5)); ACN <- c(AC, "N1", "N2", "N3")
HS  <- "holzinger_swineford_1939.csv"; HSM <- "holzinger_swineford_1939_missing.csv"
cases <- list(
  list(name = "esem_geomin_bordered", data = HS, model = ESEM, options = list()),
  list(name = "esem_oblimin_bordered", data = HS, model = ESEM, options = list(rotation = "oblimin")),
  list(name = "esem_groups", data = HS, model = ESEM, options = list(group = "school")),
  list(name = "esem_groups_delta", data = HS, model = ESEM, options = list(group = "school", rotation.se = "delta")),
  list(name = "esem_groups_loadings", data = HS, model = ESEM, options = list(group = "school", group.equal = "loadings")),
  list(name = "esem_groups_mlr_oblimin", data = HS, model = ESEM,
       options = list(group = "school", estimator = "MLR", rotation = "oblimin")),
  list(name = "esem_predicts_cfa", data = HS, model = PRED, options = list()),
  list(name = "esem_predicts_cfa_delta", data = HS, model = PRED, options = list(rotation.se = "delta")),
  list(name = "esem_on_cfa", data = HS, model = ONCFA, options = list()),
  list(name = "esem_covariates", data = HS, model = COV, options = list()),
  list(name = "esem_covariates_mlr", data = HS, model = COV, options = list(estimator = "MLR")),
  list(name = "esem_covariates_groups_oblimin", data = HS, model = COV, options = list(group = "school", rotation = "oblimin")),
  list(name = "esem_observed_outcome", data = HS, model = OBS, options = list()),
  list(name = "esem_fiml", data = HSM, model = PRED, options = list(missing = "fiml")),
  list(name = "esem_groups_scalar", data = HS, model = PRED,
       options = list(group = "school", group.equal = c("loadings", "intercepts"))),
  list(name = "esem_groups_loadings_regressions", data = HS, model = PRED,
       options = list(group = "school", group.equal = c("loadings", "regressions"))),
  list(name = "esem_groups_loadings_lvvariances", data = HS, model = ESEM,
       options = list(group = "school", group.equal = c("loadings", "lv.variances"))),
  list(name = "esem_geomin_epsilon", data = HS, model = PRED, options = list(rotation.args = list(geomin.epsilon = 0.01))),
  list(name = "esem_oblimin_gamma", data = HS, model = PRED,
       options = list(rotation = "oblimin", rotation.args = list(oblimin.gamma = 0.2))),
  list(name = "esem_mlm_paths", data = HS, model = PRED, options = list(estimator = "MLM")),
  list(name = "esem_stdlv_oblimin", data = HS, model = ONCFA, options = list(std.lv = TRUE, rotation = "oblimin")),
  list(name = "esem_defined", data = HS, model = DEF, options = list()),
  list(name = "esem_ordinal", data = "bfi.csv", model = ORD, options = list(ordered = AC)),
  list(name = "esem_ordinal_paths_oblimin", data = "bfi.csv", model = ORDP, options = list(ordered = ACN, rotation = "oblimin")),
  list(name = "esem_ordinal_delta", data = "bfi.csv", model = ORD, options = list(ordered = AC, rotation.se = "delta")),
  list(name = "esem_ordinal_groups", data = "bfi.csv", model = ORD, options = list(ordered = AC, group = "gender")),
  list(name = "esem_bfi3_age", data = "bfi.csv", model = BFI3, options = list()),
  list(name = "esem_bfi_two_blocks_mlr", data = "bfi.csv", model = BFI2B, options = list(estimator = "MLR"))
)
for (cs in cases) {
  write_case(case_json(cs, fit_case(cs, case_data(cs$data)), c("npar","chisq","df","pvalue","baseline.chisq",
    "baseline.df","cfi","tli","rmsea","rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr","aic","bic","logl",
    "unrestricted.logl","chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","rmsea.scaled",
    "baseline.chisq.scaled","baseline.chisq.scaling.factor","cfi.robust","tli.robust","rmsea.robust")))
}
