# Two rules of lavaan 0.6-14's parameter table: auto.fix.single (cfa()/sem() default: the only
# indicator of a latent variable gets a zero residual variance) and a label shared with a fixed
# parameter fixing every parameter carrying it (lavaanify). Same JSON format as generate.R; run from this folder:
# Rscript generate_single.R
source("../lavaan_cases.R")   # case_data(), fit_case(), case_json(), write_case()
hsf <- "holzinger_swineford_1939.csv"; hsm <- "holzinger_swineford_1939_missing.csv"
cases <- list(
 list(name="single_cfa", data=hsf, model='visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7', options=list()),
 list(name="single_sem_pd", data="political_democracy.csv", model='ind60 =~ x1\ndem60 =~ y1 + y2 + y3 + y4\ndem60 ~ ind60', options=list()),
 list(name="single_groups_mlr", data=hsf, model='visual =~ x1 + x2 + x3\nspeed =~ x9\nspeed ~ visual', options=list(group="school", estimator="MLR")),
 list(name="label_shared_with_fixed", data=hsf, model='visual =~ x1 + x2 + x3\ntextual =~ a*x4 + a*x5 + a*x6', options=list()),
 list(name="label_shared_with_fixed_groups", data=hsf, model='visual =~ x1 + x2 + x3\ntextual =~ c(a,b)*x4 + c(a,a)*x5 + c(c,b)*x6', options=list(group="school")),
 list(name="single_stdlv_fiml", data=hsm, model='visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x9', options=list(std.lv=TRUE, missing="fiml"))
)
for (cs in cases) {
  write_case(case_json(cs, fit_case(cs, case_data(cs$data)), c("npar","chisq","df","pvalue","baseline.chisq",
    "baseline.df","cfi","tli","rmsea","rmsea.ci.lower","rmsea.ci.upper","srmr","aic","bic","logl","unrestricted.logl",
    "chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","rmsea.scaled","tli.scaled",
    "cfi.robust","tli.robust","rmsea.robust")))
}
