# Turns seminr's tests/fixtures/V_3_6_0/pls-mga-mobi-100.RDS into CSV and recreates the group
# condition of seminr's tests/testthat/test-pls-mga.R (R 4.2.2, default sample.kind "Rejection").
x <- readRDS("pls-mga-mobi-100.RDS")
write.csv(as.data.frame(unclass(x)), "pls_mga_mobi_100.csv", row.names = FALSE)
set.seed(798234)
rand_cond <- sample(c(TRUE, FALSE), 250, replace = TRUE)
write.csv(data.frame(group1 = rand_cond), "mga_condition.csv", row.names = FALSE)
