# Further lavaan 0.6-14 models of the kinds issue 9 names (growth curves, MIMIC, fixed.x,
# multigroup corners, FIML and robust tests with covariates, equality/inequality/non-linear
# constraints, single indicators), written after the fixes and not used while making them.
# Same JSON format as ../extra_core. Run from this folder: Rscript generate.R
source("../lavaan_cases.R")   # case_data(), fit_case(), case_json(), write_case()
g <- lavaan::Demo.growth
write.csv(g, "../data/demo_growth.csv", row.names = FALSE); gm <- g
set.seed(7); for (v in c("t2","t3","t4","x1")) gm[[v]][sample(nrow(g), 40)] <- NA
write.csv(gm, "../data/demo_growth_missing.csv", row.names = FALSE, na = "")
GR <- 'i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4\nt1 ~ 0*1\nt2 ~ 0*1\nt3 ~ 0*1\nt4 ~ 0*1\ni ~ 1\ns ~ 1'
GRX <- paste0(GR, '\ni ~ x1 + x2\ns ~ x1 + x2')
GRTV <- paste0(GRX, '\nt1 ~ c1\nt2 ~ c2\nt3 ~ c3\nt4 ~ c4')
GRQ <- 'i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4\nq =~ 0*t1 + 1*t2 + 4*t3 + 9*t4\nt1 ~ 0*1\nt2 ~ 0*1\nt3 ~ 0*1\nt4 ~ 0*1\ni ~ 1\ns ~ 1\nq ~ 1'
PD <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + b*y3 + c*y4\ndem65 =~ y5 + a*y6 + b*y7 + c*y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8'
PDIND <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ a*ind60\ndem65 ~ c*ind60 + b*dem60\nind := a*b\ntot := c + a*b'
HS <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
HS2 <- paste0(HS, '\ng =~ visual + textual + speed')
BIF <- 'g =~ x1+x2+x3+x4+x5+x6+x7+x8+x9\nvisual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ng ~~ 0*visual + 0*textual + 0*speed\nvisual ~~ 0*textual + 0*speed\ntextual ~~ 0*speed'
MIM <- paste0(HS, '\nvisual + textual + speed ~ ageyr + sex + grade')
PATH4 <- 'x9 ~ x1 + x2 + x3 + x4\nx8 ~ x9 + x5'
CON <- 'visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\na == b'
CONNL <- 'visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + c*x5 + d*x6\nc == a^2 + b'
INEQ <- 'visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6\na > 0.7\nb < 0.6'
LABG <- 'visual =~ x1 + c(a,a)*x2 + c(b,b)*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
COMP <- 'f <~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ f\nx9 ~ f + textual'
SINGLEX <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ 1*x9\nx9 ~~ 0.3*x9\nspeed ~ visual + textual'
BFI5 <- paste0("A =~ A1+A2+A3+A4+A5\nC =~ C1+C2+C3+C4+C5\nE =~ E1+E2+E3+E4+E5\nN =~ N1+N2+N3+N4+N5\nO =~ O1+O2+O3+O4+O5")
BFIX <- 'A =~ A1+A2+A3+A4+A5\nC =~ C1+C2+C3+C4+C5\nA + C ~ age + education'
hsf <- "holzinger_swineford_1939.csv"; hsm <- "holzinger_swineford_1939_missing.csv"
cases <- list(
 list(name="growth_linear", data="demo_growth.csv", model=GR, options=list()),
 list(name="growth_cov", data="demo_growth.csv", model=GRX, options=list()),
 list(name="growth_tvc_mlr", data="demo_growth.csv", model=GRTV, options=list(estimator="MLR")),
 list(name="growth_quad_mlm", data="demo_growth.csv", model=GRQ, options=list(estimator="MLM")),
 list(name="growth_fiml", data="demo_growth_missing.csv", model=GRX, options=list(missing="fiml")),
 list(name="growth_fiml_mlr", data="demo_growth_missing.csv", model=GR, options=list(missing="fiml", estimator="MLR")),
 list(name="growth_fiml_x_mlr", data="demo_growth_missing.csv", model=GRX, options=list(missing="fiml", estimator="MLR", fixed.x=FALSE)),
 list(name="pd_eq", data="political_democracy.csv", model=PD, options=list()),
 list(name="pd_eq_mlm", data="political_democracy.csv", model=PD, options=list(estimator="MLM")),
 list(name="pd_eq_mlr", data="political_democracy.csv", model=PD, options=list(estimator="MLR")),
 list(name="pd_ind", data="political_democracy.csv", model=PDIND, options=list()),
 list(name="pd_ind_fiml", data="political_democracy_missing.csv", model=PDIND, options=list(missing="fiml")),
 list(name="hs_scalar_partial", data=hsf, model=HS, options=list(group="school", group.equal=c("loadings","intercepts"), group.partial=c("x3~1","x7~1"))),
 list(name="hs_all_equal", data=hsf, model=HS, options=list(group="school", group.equal=c("loadings","intercepts","residuals","lv.variances","lv.covariances","means"))),
 list(name="hs_strict_mlr", data=hsf, model=HS, options=list(group="school", group.equal=c("loadings","intercepts","residuals"), estimator="MLR")),
 list(name="hs_mimic_mlr_fx", data=hsf, model=MIM, options=list(estimator="MLR", fixed.x=FALSE)),
 list(name="hs_mimic_groups_metric_mlr", data=hsf, model=MIM, options=list(group="school", group.equal="loadings", estimator="MLR")),
 list(name="hs_mimic_fiml", data=hsm, model=MIM, options=list(missing="fiml")),
 list(name="hs_second_order", data=hsf, model=HS2, options=list(estimator="MLR")),
 list(name="hs_path4_mlm", data=hsf, model=PATH4, options=list(estimator="MLM")),
 list(name="hs_path4_mlr_fiml", data=hsm, model=PATH4, options=list(estimator="MLR", missing="fiml")),
 list(name="hs_path4_groups_mlm", data=hsf, model=PATH4, options=list(estimator="MLM", group="school")),
 list(name="hs_con", data=hsf, model=CON, options=list()),
 list(name="hs_con_nl", data=hsf, model=CONNL, options=list()),
 list(name="hs_ineq", data=hsf, model=INEQ, options=list()),
 list(name="hs_labels_groups", data=hsf, model=LABG, options=list(group="school")),
 list(name="hs_singlex_mlr", data=hsf, model=SINGLEX, options=list(estimator="MLR")),
 list(name="hs_stdlv_fiml_mlr", data=hsm, model=HS, options=list(std.lv=TRUE, missing="fiml", estimator="MLR")),
 list(name="hs_groups_fiml_mlr", data=hsm, model=HS, options=list(group="school", missing="fiml", estimator="MLR", group.equal="loadings")),
 list(name="bfi5_mlr", data="bfi.csv", model=BFI5, options=list(estimator="MLR")),
 list(name="bfi5_fiml", data="bfi.csv", model=BFI5, options=list(missing="fiml")),
 list(name="bfi_cov_groups_mlm", data="bfi.csv", model=BFIX, options=list(estimator="MLM", group="gender")),
 list(name="bfi_cov_fiml_mlr", data="bfi.csv", model=BFIX, options=list(estimator="MLR", missing="fiml"))
)
# second batch: multigroup corners, composites, misspecified models (a model with two composites
# is left out: lavaan adds a free residual covariance between them although both residual
# variances are fixed at 0, and does not converge)
HSR <- paste0(HS, '\nspeed ~ visual + textual')
HSRC <- paste0(HS, '\nx1 ~~ x4\nx2 ~~ x7')
COMPA <- 'f <~ 1*x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\ntextual ~ f\nspeed ~ f + textual'
COMPB <- 'f <~ 1*x1 + x2 + x3\ng <~ 1*x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ f + g'
COMPC <- 'f <~ 1*x1 + x2 + x3\nx9 ~ f\nx8 ~ f'
MIS1 <- 'visual =~ x1 + x2 + x4\ntextual =~ x3 + x5 + x6\nspeed =~ x7 + x8 + x9'
MIS2 <- 'f =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9'
MIS3 <- 'visual =~ x1 + x2 + x3 + x7\ntextual =~ x4 + x5 + x6\nspeed =~ x8 + x9'
PD <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4\ndem65 =~ y5 + y6 + y7 + y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60'
BF <- "A =~ A1+A2+A3+A4+A5\nC =~ C1+C2+C3+C4+C5\nE =~ E1+E2+E3+E4+E5"
BFMIS <- "A =~ A1+A2+A3+C4+C5\nC =~ C1+C2+C3+A4+A5\nE =~ E1+E2+E3+E4+E5"
hsf <- "holzinger_swineford_1939.csv"; hsm <- "holzinger_swineford_1939_missing.csv"
cases2 <- list(
 list(name="g_regressions_equal", data=hsf, model=HSR, options=list(group="school", group.equal=c("loadings","regressions"))),
 list(name="g_rescov_equal", data=hsf, model=HSRC, options=list(group="school", group.equal=c("loadings","residual.covariances"))),
 list(name="g_lvvar_stdlv", data=hsf, model=HS, options=list(group="school", group.equal=c("loadings","lv.variances"), std.lv=TRUE)),
 list(name="g_means_mlm", data=hsf, model=HS, options=list(group="school", group.equal=c("loadings","intercepts","means"), estimator="MLM")),
 list(name="g_partial_loading_mlr", data=hsf, model=HS, options=list(group="school", group.equal=c("loadings","intercepts"), group.partial=c("visual=~x2"), estimator="MLR")),
 list(name="g_fiml_scalar", data=hsm, model=HS, options=list(group="school", group.equal=c("loadings","intercepts"), missing="fiml")),
 list(name="g_fiml_scalar_mlr", data=hsm, model=HSR, options=list(group="school", group.equal=c("loadings","intercepts"), missing="fiml", estimator="MLR")),
 list(name="g_three_groups", data="bfi.csv", model=BF, options=list(group="education", group.equal="loadings", estimator="MLR")),
 list(name="g_three_groups_fiml", data="bfi.csv", model=BF, options=list(group="education", missing="fiml")),
 list(name="ms_single", data=hsf, model=HS, options=list(meanstructure=TRUE, estimator="MLR")),
 list(name="comp_a", data=hsf, model=COMPA, options=list()),
 list(name="comp_a_mlm", data=hsf, model=COMPA, options=list(estimator="MLM")),
 list(name="comp_c", data=hsf, model=COMPC, options=list()),
 list(name="comp_groups", data=hsf, model=COMPA, options=list(group="school")),
 list(name="comp_fiml", data=hsm, model=COMPA, options=list(missing="fiml")),
 list(name="mis_swap", data=hsf, model=MIS1, options=list()),
 list(name="mis_onefactor_mlr", data=hsf, model=MIS2, options=list(estimator="MLR")),
 list(name="mis_two_item", data=hsf, model=MIS3, options=list()),
 list(name="mis_bfi", data="bfi.csv", model=BFMIS, options=list()),
 list(name="mis_bfi_fiml_mlr", data="bfi.csv", model=BFMIS, options=list(missing="fiml", estimator="MLR")),
 list(name="pd_mlr", data="political_democracy.csv", model=PD, options=list(estimator="MLR"))
)
# third batch: ordinal and binary items (WLSMV/DWLS): SEM, residual covariances, equality labels,
# second order, groups with configural/scalar/strict constraints
b <- case_data("bfi.csv")
AC <- 'A =~ A1 + A2 + A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5'
ACE <- paste0(AC, '\nE =~ E1 + E2 + E3 + E4 + E5\nE ~ A + C')
ACR <- paste0(AC, '\nA1 ~~ A2\nC4 ~~ C5')
ACL <- 'A =~ A1 + a*A2 + a*A3 + A4 + A5\nC =~ C1 + C2 + C3 + C4 + C5'
HO <- paste0(AC, '\nE =~ E1 + E2 + E3 + E4 + E5\ng =~ A + C + E')
ordA <- c(paste0("A",1:5), paste0("C",1:5)); ordE <- c(ordA, paste0("E",1:5))
bb <- b; for (v in ordE) bb[[v]] <- as.integer(b[[v]] >= 4); write.csv(bb, "../data/bfi_binary_all.csv", row.names=FALSE, na="")
cases3 <- list(
 list(name="o_ac", data="bfi.csv", model=AC, options=list(ordered=ordA)),
 list(name="o_ac_stdlv", data="bfi.csv", model=AC, options=list(ordered=ordA, std.lv=TRUE)),
 list(name="o_ace_sem", data="bfi.csv", model=ACE, options=list(ordered=ordE)),
 list(name="o_ac_rescov", data="bfi.csv", model=ACR, options=list(ordered=ordA)),
 list(name="o_ac_labels", data="bfi.csv", model=ACL, options=list(ordered=ordA)),
 list(name="o_higher", data="bfi.csv", model=HO, options=list(ordered=ordE)),
 list(name="o_groups_config", data="bfi.csv", model=AC, options=list(ordered=ordA, group="gender")),
 list(name="o_groups_scalar", data="bfi.csv", model=AC, options=list(ordered=ordA, group="gender", group.equal=c("loadings","thresholds","intercepts"))),
 list(name="o_groups_strict", data="bfi.csv", model=AC, options=list(ordered=ordA, group="gender", group.equal=c("loadings","thresholds","residuals"))),
 list(name="o_dwls", data="bfi.csv", model=AC, options=list(ordered=ordA, estimator="DWLS")),
 list(name="b_ac", data="bfi_binary_all.csv", model=AC, options=list(ordered=ordA)),
 list(name="b_ace", data="bfi_binary_all.csv", model=ACE, options=list(ordered=ordE)),
 list(name="b_groups", data="bfi_binary_all.csv", model=AC, options=list(ordered=ordA, group="gender", group.equal=c("loadings","thresholds"))),
 list(name="b_groups_stdlv", data="bfi_binary_all.csv", model=AC, options=list(ordered=ordA, group="gender", std.lv=TRUE))
)
# fourth batch: ordinal items with covariates and groups, the WLS family on continuous items,
# ESEM with MLR and groups and with covariates (two EFA blocks sharing indicators are left out:
# lavaan cannot compute their standard errors and reports negative variances)
ho <- "holzinger_swineford_ordinal.csv"; hsf <- "holzinger_swineford_1939.csv"
ordv <- c("x1","x2","x3","x4","x5","x6")
cases4 <- list(
 list(name="ox_mimic_groups_scalar", data=ho, model='visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr + sex', options=list(ordered=ordv, group="school", group.equal=c("loadings","thresholds","regressions"))),
 list(name="ox_stdlv_direct", data=ho, model='visual =~ x1 + x2 + x3\nvisual ~ ageyr\nx2 ~ sex', options=list(ordered=c("x1","x2","x3"), std.lv=TRUE)),
 list(name="ox_sem_cov", data=ho, model='visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual + grade\nvisual ~ ageyr', options=list(ordered=ordv)),
 list(name="cw_groups_equal", data=hsf, model='visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6', options=list(estimator="WLSMV", group="school", group.equal=c("loadings","intercepts"))),
 list(name="cw_dwls_path", data=hsf, model='x4 ~ x1 + x2\nx5 ~ x4 + x3', options=list(estimator="DWLS")),
 list(name="esem_mlr_groups", data=hsf, model='efa("b")*f1 + efa("b")*f2 =~ x1 + x2 + x3 + x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ f1 + f2', options=list(estimator="MLR", group="school")),
 list(name="esem_oblimin_cov", data=hsf, model='efa("b")*f1 + efa("b")*f2 =~ x1 + x2 + x3 + x4 + x5 + x6\nf1 + f2 ~ ageyr', options=list(rotation="oblimin"))
)
cases <- c(cases, cases2, cases3, cases4)
for (cs in cases) {
  write_case(case_json(cs, fit_case(cs, case_data(cs$data)), c("npar","chisq","df","pvalue","baseline.chisq",
    "baseline.df","cfi","tli","rmsea","rmsea.ci.lower","rmsea.ci.upper","srmr","aic","bic","logl","unrestricted.logl",
    "chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","rmsea.scaled","tli.scaled",
    "baseline.chisq.scaled","baseline.chisq.scaling.factor","cfi.robust","tli.robust","rmsea.robust",
    "rmsea.ci.lower.scaled","rmsea.ci.upper.scaled","rmsea.pvalue.scaled","rmsea.ci.lower.robust",
    "rmsea.ci.upper.robust","rmsea.pvalue.robust")))
}
