# Reference cases for issue 9 (WLSMV with pairwise missing data, WLSMV/DWLS/WLS on continuous
# items, binary items), computed with R + lavaan 0.6-14 (Debian r-cran-lavaan). Same JSON
# format as ../extra_core/*.json (`warnings` = lavaan's warnings while fitting).
# Run from this folder: Rscript generate.R
# Writes ../data/hs_ordinal_missing.csv: x1..x9 of Holzinger-Swineford cut at their quartiles
# (4 categories; x1..x3 and x7..x9, x4..x6 cut at the terciles: 3 categories), with holes put in
# deterministically (every 13th row from row 3 misses x2, every 11th from row 5 misses x5,
# every 7th from row 2 misses x9, every 17th from row 1 misses x1 and x4) and rows 50 and 200
# missing every item (lavaan ignores such empty rows), and ../data/hs_binary.csv (x1..x9 split
# at their medians: 1 if above).
source("../lavaan_cases.R")   # fit_case(), case_json(), write_case()
pkg <- "../../../loyaltyscope/datasets/data"
hs <- read.csv(file.path(pkg, "holzinger_swineford_1939.csv"))
cutq <- function(x, k) as.integer(cut(x, unique(quantile(x, seq(0, 1, length.out = k + 1))), include.lowest = TRUE))
hso <- hs[, c("id", "school", paste0("x", 1:9))]
for (v in paste0("x", 1:9)) hso[[v]] <- cutq(hs[[v]], if (v %in% c("x4", "x5", "x6")) 3 else 4)
hso$x2[seq(3, 301, by = 13)] <- NA
hso$x5[seq(5, 301, by = 11)] <- NA
hso$x9[seq(2, 301, by = 7)] <- NA
hso$x1[seq(1, 301, by = 17)] <- NA; hso$x4[seq(1, 301, by = 17)] <- NA
hso[c(50, 200), paste0("x", 1:9)] <- NA
write.csv(hso, "../data/hs_ordinal_missing.csv", row.names = FALSE, na = "")
hsb <- hs[, c("id", "school", paste0("x", 1:9))]
for (v in paste0("x", 1:9)) hsb[[v]] <- as.integer(hs[[v]] > median(hs[[v]]))
write.csv(hsb, "../data/hs_binary.csv", row.names = FALSE, na = "")
X9 <- paste0("x", 1:9)
AC <- c("A1","A2","A3","A4","A5","C1","C2","C3","C4","C5")
HS <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9'
HSSEM <- 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ visual + textual'
M2 <- 'agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5'
BFISEM <- 'agree =~ A1 + A2 + A3 + A4 + A5\nconsc =~ C1 + C2 + C3 + C4 + C5\nopen =~ O1 + O2 + O3 + O4 + O5\nconsc ~ a*agree\nopen ~ c*agree + b*consc\nind := a*b'
PD <- 'ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + a*y2 + b*y3 + c*y4\ndem65 =~ y5 + a*y6 + b*y7 + c*y8\ndem60 ~ ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\ny3 ~~ y7\ny4 ~~ y8\ny6 ~~ y8'
HSCON <- 'visual =~ x1 + v2*x2 + v3*x3\ntextual =~ x4 + t5*x5 + t6*x6\nspeed =~ x7 + x8 + x9\nv2 == v3\nd := t5 - t6'
cases <- list(
  # 1. missing = "pairwise" with ordinal items
  list(name = "pairwise_hs_ordinal", data = "hs_ordinal_missing.csv", model = HS,
       options = list(ordered = X9, missing = "pairwise")),
  list(name = "pairwise_hs_ordinal_groups", data = "hs_ordinal_missing.csv", model = HS,
       options = list(ordered = X9, missing = "pairwise", group = "school")),
  list(name = "pairwise_bfi", data = "bfi.csv", model = M2, options = list(ordered = AC, missing = "pairwise")),
  list(name = "pairwise_bfi_groups_th_load", data = "bfi.csv", model = M2,
       options = list(ordered = AC, missing = "pairwise", group = "gender", group.equal = c("thresholds", "loadings"))),
  list(name = "pairwise_hs_ordinal_dwls", data = "hs_ordinal_missing.csv", model = HSSEM,
       options = list(ordered = X9, missing = "pairwise", estimator = "DWLS")),
  # 2. WLSMV / DWLS / WLS on continuous items
  list(name = "cont_wlsmv_hs", data = "holzinger_swineford_1939.csv", model = HS, options = list(estimator = "WLSMV")),
  list(name = "cont_wlsmv_hs_groups", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(estimator = "WLSMV", group = "school")),
  list(name = "cont_wlsmv_hs_metric", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(estimator = "WLSMV", group = "school", group.equal = c("loadings", "intercepts"))),
  list(name = "cont_wlsmv_sem_means", data = "holzinger_swineford_1939.csv", model = HSSEM,
       options = list(estimator = "WLSMV", meanstructure = TRUE)),
  list(name = "cont_dwls_hs", data = "holzinger_swineford_1939.csv", model = HS, options = list(estimator = "DWLS")),
  list(name = "cont_wls_hs", data = "holzinger_swineford_1939.csv", model = HS, options = list(estimator = "WLS")),
  list(name = "cont_wlsmv_mimic", data = "holzinger_swineford_1939.csv",
       model = 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr + sex',
       options = list(estimator = "WLSMV")),
  list(name = "cont_wlsmv_mimic_fixedx", data = "holzinger_swineford_1939.csv",
       model = 'visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nvisual + textual ~ ageyr + sex',
       options = list(estimator = "WLSMV", fixed.x = TRUE)),
  list(name = "cont_wlsmv_bfi_stdlv", data = "bfi.csv", model = M2, options = list(estimator = "WLSMV", std.lv = TRUE)),
  # 3. binary items
  list(name = "binary_hs", data = "hs_binary.csv", model = HS, options = list(ordered = X9)),
  list(name = "binary_bfi_groups_loadings", data = "bfi_binary.csv", model = M2,
       options = list(ordered = AC, group = "gender", group.equal = "loadings")),
  list(name = "binary_hs_theta", data = "hs_binary.csv", model = HS,
       options = list(ordered = X9, parameterization = "theta")),
  list(name = "binary_bfi_theta_groups", data = "bfi_binary.csv", model = M2,
       options = list(ordered = AC, group = "gender", group.equal = c("loadings", "thresholds"),
                      parameterization = "theta")),
  list(name = "ordinal_bfi_theta", data = "bfi.csv", model = M2, options = list(ordered = AC, parameterization = "theta")),
  # se given explicitly: robust SEs with DWLS, standard SEs with WLSMV (the test is unchanged)
  list(name = "se_robust_dwls_cont", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(estimator = "DWLS", se = "robust.sem")),
  list(name = "se_standard_wlsmv_ordinal", data = "bfi.csv", model = M2, options = list(ordered = AC, se = "standard")),
  # missing = "pairwise" on continuous items (hs_ordinal_missing.csv read as numbers has two empty rows)
  list(name = "cont_wlsmv_pairwise", data = "holzinger_swineford_1939_missing.csv", model = HS,
       options = list(estimator = "WLSMV", missing = "pairwise")),
  list(name = "cont_wlsmv_pairwise_groups", data = "holzinger_swineford_1939_missing.csv", model = HS,
       options = list(estimator = "WLSMV", missing = "pairwise", group = "school")),
  list(name = "cont_dwls_pairwise_empty_rows", data = "hs_ordinal_missing.csv", model = HSSEM,
       options = list(estimator = "DWLS", missing = "pairwise", meanstructure = TRUE)),
  # ESEM blocks on continuous items with WLSMV (lavaan's default rotation.se = "bordered" is not
  # implemented; the delta method is)
  list(name = "esem_cont_wlsmv", data = "holzinger_swineford_1939.csv",
       model = 'efa("b")*f1 + efa("b")*f2 =~ x1 + x2 + x3 + x4 + x5 + x6\nspeed =~ x7 + x8 + x9',
       options = list(estimator = "WLSMV", rotation.se = "delta")),
  # further models of the same kinds, not used while implementing the above
  list(name = "more_pairwise_binary_theta_groups", data = "bfi_binary.csv", model = M2,
       options = list(ordered = AC, missing = "pairwise", group = "gender", group.equal = c("thresholds", "loadings"),
                      parameterization = "theta")),
  list(name = "more_pairwise_bfi_sem", data = "bfi.csv", model = BFISEM,
       options = list(ordered = c(AC, paste0("O", 1:5)), missing = "pairwise")),
  list(name = "more_cont_wlsmv_pd", data = "political_democracy.csv", model = PD, options = list(estimator = "WLSMV")),
  list(name = "more_cont_dwls_groups_stdlv", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(estimator = "DWLS", group = "school", std.lv = TRUE)),
  list(name = "more_cont_wls_groups", data = "holzinger_swineford_1939.csv", model = HS,
       options = list(estimator = "WLS", group = "school")),
  list(name = "more_cont_wlsmv_constraint", data = "holzinger_swineford_1939.csv", model = HSCON,
       options = list(estimator = "WLSMV")),
  list(name = "more_theta_ordinal_groups_th", data = "bfi.csv", model = 'agree =~ A1 + A2 + A3 + A4 + A5',
       options = list(ordered = c("A1","A2","A3","A4","A5"), group = "gender", group.equal = "thresholds",
                      parameterization = "theta")),
  list(name = "more_binary_hs_theta_stdlv", data = "hs_binary.csv", model = HSSEM,
       options = list(ordered = X9, parameterization = "theta", std.lv = TRUE))
)
for (cs in cases) {
  fitted <- fit_case(cs, case_data(cs$data))
  write_case(case_json(cs, fitted, c("npar","chisq","df","pvalue","baseline.chisq","baseline.df","cfi","tli","rmsea",
    "rmsea.ci.lower","rmsea.ci.upper","rmsea.pvalue","srmr",
    "chisq.scaled","df.scaled","pvalue.scaled","chisq.scaling.factor","cfi.scaled","tli.scaled","rmsea.scaled",
    "baseline.chisq.scaled","baseline.chisq.scaling.factor","cfi.robust","tli.robust","rmsea.robust",
    "rmsea.ci.lower.scaled","rmsea.ci.upper.scaled","rmsea.ci.lower.robust","rmsea.ci.upper.robust")))
}
