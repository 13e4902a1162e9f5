# Reference values for pioneer.indicators.funnel (funnel-plot control limits), from base R.
#
# Run from the repository root:
#     Rscript tests/oracle/indicators_funnel/make_expected.R
# It writes the CSV files beside this script. The Python tests read only those files, so R is
# needed only to regenerate them. Every input is a fixed grid: a rerun gives identical files.
#
# Method (Spiegelhalter 2005, Statistics in Medicine 24:1185-1202, appendix A.1): the p-limit
# is the p-quantile r_p of the count under the target, interpolated between r_p - 1 and r_p:
#     alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)),   limit = (r_p - alpha) / size
# r_p comes from qbinom / qpois and F from pbinom / ppois. As a second, independent route the
# script recomputes F with the beta and gamma distribution functions
#     pbinom(r, n, t) = pbeta(1 - t, n - r, r + 1),   ppois(r, m) = 1 - pgamma(m, r + 1)
# and stops if the two routes disagree by more than 1e-12.

out_dir <- "tests/oracle/indicators_funnel"
if (!dir.exists(out_dir)) {
  stop("run from the repository root: Rscript tests/oracle/indicators_funnel/make_expected.R")
}

num <- function(x) sprintf("%.17g", x + 0)  # + 0 turns -0 into 0
write_out <- function(df, name) {
  for (col in names(df)) if (is.double(df[[col]])) df[[col]] <- num(df[[col]])
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = FALSE)
}

probabilities <- c(0.001, 0.025, 0.975, 0.999)

# Binomial: proportions -------------------------------------------------------------------
binomial <- expand.grid(
  p = probabilities,
  target = c(0.01, 0.05, 0.2, 0.5, 0.73, 0.95),
  n = c(1, 2, 5, 10, 20, 37, 50, 100, 250, 1000, 5000, 100000)
)
binomial <- binomial[, c("n", "target", "p")]
binomial$r_p <- qbinom(binomial$p, binomial$n, binomial$target)
binomial$cdf_r <- pbinom(binomial$r_p, binomial$n, binomial$target)
binomial$cdf_below <- pbinom(binomial$r_p - 1, binomial$n, binomial$target)
beta_r <- with(binomial, ifelse(r_p >= n, 1, pbeta(1 - target, n - r_p, r_p + 1)))
beta_below <- with(binomial, ifelse(r_p - 1 < 0, 0,
                                    pbeta(1 - target, n - r_p + 1, pmax(r_p, 1))))
stopifnot(max(abs(beta_r - binomial$cdf_r)) < 1e-12,
          max(abs(beta_below - binomial$cdf_below)) < 1e-12)
binomial$limit <- with(binomial, (r_p - (cdf_r - p) / (cdf_r - cdf_below)) / n)
write_out(binomial, "binomial.csv")

# Poisson: counts for rates and ratios ---------------------------------------------------
poisson <- expand.grid(
  p = probabilities,
  expected = c(0.1, 0.5, 1, 2.5, 7, 10, 33.3, 100, 1000, 20000, 250000)
)
poisson <- poisson[, c("expected", "p")]
poisson$r_p <- qpois(poisson$p, poisson$expected)
poisson$cdf_r <- ppois(poisson$r_p, poisson$expected)
poisson$cdf_below <- ppois(poisson$r_p - 1, poisson$expected)
gamma_r <- pgamma(poisson$expected, poisson$r_p + 1, lower.tail = FALSE)
gamma_below <- with(poisson, ifelse(r_p - 1 < 0, 0,
                                    pgamma(expected, pmax(r_p, 1), lower.tail = FALSE)))
stopifnot(max(abs(gamma_r - poisson$cdf_r)) < 1e-12,
          max(abs(gamma_below - poisson$cdf_below)) < 1e-12)
poisson$count_limit <- with(poisson, r_p - (cdf_r - p) / (cdf_r - cdf_below))
write_out(poisson, "poisson.csv")

# Funnels of made-up areas: limits on the indicator's scale, clipped, and each point's place.
limit_at <- function(statistic, size, theta, p) {
  if (statistic == "proportion") {
    r <- qbinom(p, size, theta)
    f <- pbinom(r, size, theta)
    f1 <- pbinom(r - 1, size, theta)
    pmin(pmax((r - (f - p) / (f - f1)) / size, 0), 1)
  } else {
    m <- size * theta
    r <- qpois(p, m)
    f <- ppois(r, m)
    f1 <- ppois(r - 1, m)
    pmax((r - (f - p) / (f - f1)) / size, 0)
  }
}
place <- function(value, l95, u95, l998, u998) {
  ifelse(value > u998, "Above 99.8% limit",
  ifelse(value < l998, "Below 99.8% limit",
  ifelse(value > u95, "Above 95% limit",
  ifelse(value < l95, "Below 95% limit", "Within limits"))))
}
funnel <- function(statistic, numerator, size, target, multiplier) {
  theta <- target / multiplier
  d <- data.frame(statistic = statistic, numerator = numerator, size = size,
                  target = target, multiplier = multiplier)
  d$value <- multiplier * numerator / size
  d$lower_95 <- multiplier * limit_at(statistic, size, theta, 0.025)
  d$upper_95 <- multiplier * limit_at(statistic, size, theta, 0.975)
  d$lower_99_8 <- multiplier * limit_at(statistic, size, theta, 0.001)
  d$upper_99_8 <- multiplier * limit_at(statistic, size, theta, 0.999)
  d$place <- place(d$value, d$lower_95, d$upper_95, d$lower_99_8, d$upper_99_8)
  d
}
funnels <- rbind(
  # proportions in per cent around a target of 30%
  funnel("proportion", c(0, 3, 12, 40, 95, 310, 2800, 3100, 33),
         c(4, 10, 30, 120, 300, 1000, 10000, 10000, 80), 30, 100),
  # rates per 100,000 around 2,000 (a falls-65+-sized rate)
  funnel("rate", c(150, 180, 260, 600, 1400, 2100, 4300),
         c(9000, 10000, 11000, 30000, 80000, 100000, 200000), 2000, 100000),
  # ratios (observed / expected) around 1
  funnel("ratio", c(0, 2, 9, 30, 58, 130, 410),
         c(1.5, 4, 5, 25, 40, 100, 400), 1, 1)
)
write_out(funnels, "funnels.csv")

writeLines(R.version.string, file.path(out_dir, "versions.txt"))
