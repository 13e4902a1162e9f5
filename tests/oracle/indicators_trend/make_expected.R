# Reference values for the recent-trend tests in pioneer.indicators.benchmark.
#
# Run from the repository root:
#     Rscript tests/oracle/indicators_trend/make_expected.R
# It writes expected.csv beside this script. Base R only (stats). Inputs are fixed below
# or drawn after set.seed(), so a rerun gives the same file.
#
# chi_square rows: prop.trend.test(x, n) with the default scores 1..5, the chi-square test
#   for trend in proportions that Fingertips applies to the latest five points.
# regression rows: the weighted least-squares slope of value on period number 1..5 with
#   weights 1 / se^2, se = (upper - lower) / (2 * qnorm(0.975)) (Fingertips' method for
#   indicators other than proportions). lm() gives the slope; its standard error with the
#   variances taken as known is the "unscaled" one, coefficient SE / residual sigma; the
#   test statistic is (slope / unscaled SE)^2.

out <- "tests/oracle/indicators_trend"
if (!dir.exists(out)) stop("run from the repository root")
num <- function(x) sprintf("%.17g", x)
rows <- list()

chi_inputs <- list(
  list(id = "falling", x = c(1367, 1332, 1199, 1023, 994), n = c(44701, 44064, 42811, 41527, 40299)),
  list(id = "flat", x = c(500, 505, 498, 502, 499), n = c(10000, 10000, 10000, 10000, 10000)),
  list(id = "rising_small", x = c(12, 15, 14, 20, 22), n = c(1000, 1010, 990, 1005, 1000)),
  list(id = "rising_large", x = c(2100, 2200, 2350, 2400, 2600), n = c(50000, 50500, 51000, 51500, 52000))
)
set.seed(20240611)
for (i in 1:4) {
  n <- sample(2000:60000, 5)
  p <- runif(1, 0.01, 0.3) * (1 + cumsum(rnorm(5, 0, 0.03)))
  chi_inputs[[length(chi_inputs) + 1]] <- list(id = paste0("random_", i), x = rbinom(5, n, p), n = n)
}
for (case in chi_inputs) {
  test <- prop.trend.test(case$x, case$n)
  rows[[length(rows) + 1]] <- data.frame(
    case = case$id, method = "chi_square", t = 1:5, x = case$x, n = case$n,
    value = NA, lower = NA, upper = NA,
    statistic = num(unname(test$statistic)), p_value = num(test$p.value),
    slope = NA
  )
}

reg_inputs <- list(
  list(id = "falling_rate", v = c(30.6, 30.2, 28.0, 24.6, 24.67),
       l = c(28.98, 28.63, 26.44, 23.15, 23.16), u = c(32.25, 31.90, 29.64, 26.19, 26.25)),
  list(id = "noisy_rate", v = c(210, 190, 230, 205, 215),
       l = c(190, 171, 209, 186, 195), u = c(231, 210, 252, 225, 236))
)
for (case in reg_inputs) {
  se <- (case$u - case$l) / (2 * qnorm(0.975))
  t <- 1:5
  fit <- lm(case$v ~ t, weights = 1 / se^2)
  s <- summary(fit)
  slope <- unname(coef(fit)[2])
  unscaled <- s$coefficients[2, 2] / s$sigma
  rows[[length(rows) + 1]] <- data.frame(
    case = case$id, method = "regression", t = t, x = NA, n = NA,
    value = num(case$v), lower = num(case$l), upper = num(case$u),
    statistic = num((slope / unscaled)^2), p_value = NA, slope = num(slope)
  )
}

write.csv(do.call(rbind, rows), file.path(out, "expected.csv"), row.names = FALSE, quote = FALSE, na = "")
writeLines(R.version.string, file.path(out, "versions.txt"))
