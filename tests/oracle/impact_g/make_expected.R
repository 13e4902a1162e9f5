# Reference values for pioneer.impact (part G): event study, placebo-in-time TWFE, matching.
# Run from the repository root:  Rscript tests/oracle/impact_g/make_expected.R
# Needs r-base-core, r-cran-sandwich, r-cran-lmtest and r-cran-matchit (Debian bookworm).
suppressPackageStartupMessages({
  library(sandwich)
  library(lmtest)
  library(MatchIt)
})
out <- "tests/oracle/impact_g"
w17 <- function(x, file) {
  write.csv(x, file.path(out, file), row.names = FALSE, na = "")
}
options(digits = 17)

# ---------------------------------------------------------------- simulated panel
# 60 areas x 2010..2017; cohorts 2013 (10 areas), 2015 (8 areas), never treated (42).
set.seed(20261123)
n <- 60
areas <- sprintf("E%03d", seq_len(n))
cohort <- c(rep(2013L, 10), rep(2015L, 8), rep(0L, n - 18))
alpha <- rnorm(n, 0, 2)
slope <- rnorm(n, 0.2, 0.1)
pop <- round(runif(n, 20000, 300000))
panel <- expand.grid(year = 2010:2017, i = seq_len(n))
panel$area_code <- areas[panel$i]
panel$cohort <- cohort[panel$i]
panel$population <- pop[panel$i] * (1 + 0.01 * (panel$year - 2010))
effect <- ifelse(panel$cohort > 0 & panel$year >= panel$cohort,
                 1.5 + 0.3 * (panel$year - panel$cohort), 0)
panel$outcome <- 50 + alpha[panel$i] + slope[panel$i] * (panel$year - 2010) +
  0.5 * sin(panel$year) + effect + rnorm(nrow(panel), 0, 1 + (panel$i %% 3))
panel <- panel[, c("area_code", "year", "cohort", "population", "outcome")]
w17(panel, "panel.csv")

G <- length(unique(panel$area_code))

# ---------------------------------------------------------------- event study
# Event time e = year - cohort for treated areas; bins at -leads and +lags; reference -1.
event_design <- function(d, leads, lags) {
  e <- ifelse(d$cohort > 0, d$year - d$cohort, NA)
  if (!is.na(leads)) e <- pmax(e, -leads)
  if (!is.na(lags)) e <- pmin(e, lags)
  levels <- sort(setdiff(unique(e[!is.na(e)]), -1))
  X <- sapply(levels, function(k) as.numeric(!is.na(e) & e == k))
  colnames(X) <- paste0("ev", ifelse(levels < 0, paste0("m", -levels), levels))
  list(X = X, levels = levels)
}

event_fit <- function(d, leads, lags, weighted, spec) {
  des <- event_design(d, leads, lags)
  dd <- cbind(d, des$X)
  f <- as.formula(paste("outcome ~", paste(colnames(des$X), collapse = " + "),
                        "+ factor(area_code) + factor(year)"))
  m <- if (weighted) lm(f, data = dd, weights = population) else lm(f, data = dd)
  V <- vcovCL(m, cluster = ~area_code, type = "HC1")
  N <- nobs(m); K <- length(coef(m))
  K_nested <- K - (G - 1)  # area dummies are nested in the clusters; keep the intercept
  b <- coef(m)[colnames(des$X)]
  res <- list()
  for (nested in c(FALSE, TRUE)) {
    Vb <- V[colnames(des$X), colnames(des$X)]
    if (nested) Vb <- Vb * (N - K) / (N - K_nested)
    se <- sqrt(diag(Vb))
    ct <- coeftest(m, vcov. = if (nested) V * (N - K) / (N - K_nested) else V, df = G - 1)
    ci <- coefci(m, vcov. = if (nested) V * (N - K) / (N - K_nested) else V, df = G - 1)
    lead <- des$levels < -1
    Wb <- b[lead]; Wv <- Vb[lead, lead, drop = FALSE]
    W <- as.numeric(t(Wb) %*% solve(Wv) %*% Wb)
    q <- sum(lead)
    res[[length(res) + 1]] <- data.frame(
      spec = spec, count_fixed_effects = !nested, event_time = des$levels,
      estimate = b, std_error = se,
      statistic = ct[colnames(des$X), "t value"], p_value = ct[colnames(des$X), "Pr(>|t|)"],
      conf_low = ci[colnames(des$X), 1], conf_high = ci[colnames(des$X), 2],
      wald = W, f_statistic = W / q, df1 = q, df2 = G - 1,
      pretrend_p = pf(W / q, q, G - 1, lower.tail = FALSE),
      pretrend_p_chisq = pchisq(W, q, lower.tail = FALSE))
  }
  do.call(rbind, res)
}

es <- rbind(
  event_fit(panel, 3, 3, FALSE, "binned_3_3"),
  event_fit(panel, 2, 1, TRUE, "binned_2_1_weighted"),
  event_fit(panel, NA, NA, FALSE, "all_event_times")
)
w17(es, "event_study.csv")

# ---------------------------------------------------------------- placebo in time
# Pre-period only (years before the first cohort, 2013); fake start 2011 for ever-treated areas.
pre <- panel[panel$year < 2013, ]
pre$fake <- as.numeric(pre$cohort > 0 & pre$year >= 2011)
m <- lm(outcome ~ fake + factor(area_code) + factor(year), data = pre)
V <- vcovCL(m, cluster = ~area_code, type = "HC1")
ct <- coeftest(m, vcov. = V, df = G - 1)
ci <- coefci(m, vcov. = V, df = G - 1)
w17(data.frame(term = "fake", estimate = coef(m)["fake"], std_error = sqrt(V["fake", "fake"]),
               statistic = ct["fake", "t value"], p_value = ct["fake", "Pr(>|t|)"],
               conf_low = ci["fake", 1], conf_high = ci["fake", 2], n_obs = nobs(m)),
    "placebo_in_time.csv")

# ---------------------------------------------------------------- matching
# 150 areas, 30 treated; treatment more likely with a high baseline level and a rising trend.
set.seed(4)
n <- 150
units <- data.frame(area_code = sprintf("A%03d", 1:n),
                    baseline_level = rnorm(n, 100, 15),
                    baseline_trend = rnorm(n, 0, 2))
lp <- -2.2 + 0.05 * (units$baseline_level - 100) + 0.3 * units$baseline_trend
units$treated <- 0L
units$treated[order(-(lp + rlogis(n)))[1:30]] <- 1L
units$change <- 3 + 0.05 * units$baseline_level + 0.8 * units$baseline_trend +
  2 * units$treated + rnorm(n, 0, 2)
w17(units, "units.csv")

covs <- c("baseline_level", "baseline_trend")
specs <- list(
  ps_1_norep = list(distance = "glm", ratio = 1, replace = FALSE, caliper = NULL),
  ps_2_norep_caliper = list(distance = "glm", ratio = 2, replace = FALSE, caliper = 0.25),
  ps_1_rep = list(distance = "glm", ratio = 1, replace = TRUE, caliper = NULL),
  ps_3_rep_caliper = list(distance = "glm", ratio = 3, replace = TRUE, caliper = 0.1),
  mahal_1_norep = list(distance = "mahalanobis", ratio = 1, replace = FALSE, caliper = NULL),
  mahal_2_rep = list(distance = "mahalanobis", ratio = 2, replace = TRUE, caliper = NULL)
)
rownames(units) <- units$area_code
all_pairs <- list(); all_weights <- list(); all_bal <- list(); all_att <- list(); all_ps <- list()
for (s in names(specs)) {
  p <- specs[[s]]
  if (p$distance == "glm") {
    # The logit propensity score from glm; matching on |difference in logit| supplied as a
    # treated x control matrix, with the data sorted so that "data" order is descending score
    # (m.order = "largest"). MatchIt 4.5.1's fast path for a score *vector* returned pairs that
    # are not nearest neighbours on these data (A142 -> A010 at 0.26 while A021 at 0.078 stayed
    # unused), so the general matrix path is used as the reference; see README.
    ps <- glm(treated ~ baseline_level + baseline_trend, data = units, family = binomial())
    lin <- predict(ps, type = "link")
    d <- units[order(-units$treated, -lin), ]
    lin_d <- lin[rownames(d)]
    tr <- d$treated == 1
    D <- abs(outer(lin_d[tr], lin_d[!tr], "-"))
    dimnames(D) <- list(rownames(d)[tr], rownames(d)[!tr])
    args <- list(treated ~ baseline_level + baseline_trend, data = d, method = "nearest",
                 distance = D, ratio = p$ratio, replace = p$replace)
    if (!is.null(p$caliper)) {
      args$caliper <- p$caliper * sd(lin)
      args$std.caliper <- FALSE
    }
    m <- do.call(matchit, args)
    sm <- summary(m, un = TRUE)
    m$weights <- m$weights[match(units$area_code, rownames(d))]
    if (!is.null(m$subclass)) m$subclass <- m$subclass[match(units$area_code, rownames(d))]
    m$distance_logit <- lin
  } else {
    m <- matchit(treated ~ baseline_level + baseline_trend, data = units, method = "nearest",
                 distance = p$distance, ratio = p$ratio, replace = p$replace)
    sm <- summary(m, un = TRUE)
  }
  mm <- m$match.matrix
  for (j in seq_len(ncol(mm))) {
    all_pairs[[length(all_pairs) + 1]] <- data.frame(
      spec = s, treated_unit = rownames(mm), slot = j, control_unit = mm[, j])
  }
  all_weights[[length(all_weights) + 1]] <- data.frame(
    spec = s, area_code = units$area_code, weight = m$weights,
    subclass = if (is.null(m$subclass)) NA else as.character(m$subclass))
  if (p$distance == "glm") {
    all_ps[[length(all_ps) + 1]] <- data.frame(spec = s, area_code = units$area_code,
                                               logit_ps = m$distance_logit)
  }
  # Balance: MatchIt's summary() standardised mean difference (ATT: treated SD of the
  # unmatched sample) and, by hand, the pooled version sqrt((var_t + var_c) / 2).
  tr <- units$treated == 1
  for (v in covs) {
    x <- units[[v]]
    sd_t <- sd(x[tr]); sd_pool <- sqrt((var(x[tr]) + var(x[!tr])) / 2)
    w <- m$weights
    mt_after <- weighted.mean(x[tr], w[tr]); mc_after <- weighted.mean(x[!tr], w[!tr])
    all_bal[[length(all_bal) + 1]] <- data.frame(
      spec = s, covariate = v,
      mean_treated_before = mean(x[tr]), mean_control_before = mean(x[!tr]),
      mean_treated_after = mt_after, mean_control_after = mc_after,
      smd_treated_before = sm$sum.all[v, "Std. Mean Diff."],
      smd_treated_after = sm$sum.matched[v, "Std. Mean Diff."],
      smd_pooled_before = (mean(x[tr]) - mean(x[!tr])) / sd_pool,
      smd_pooled_after = (mt_after - mc_after) / sd_pool)
  }
  # Effect on the change, in the matched sample: weighted regression, cluster-robust by pair
  # (without replacement) or HC1 (with replacement).
  md <- units
  md$weights <- m$weights
  md$subclass <- if (is.null(m$subclass)) NA else m$subclass
  md <- md[md$weights > 0, ]
  fit <- lm(change ~ treated, data = md, weights = weights)
  V <- if (p$replace) vcovHC(fit, type = "HC1") else vcovCL(fit, cluster = ~subclass, type = "HC1")
  dfr <- if (p$replace) fit$df.residual else length(unique(md$subclass)) - 1
  ct <- coeftest(fit, vcov. = V, df = dfr)
  ci <- coefci(fit, vcov. = V, df = dfr)
  all_att[[length(all_att) + 1]] <- data.frame(
    spec = s, estimate = coef(fit)["treated"], std_error = sqrt(V["treated", "treated"]),
    statistic = ct["treated", "t value"], p_value = ct["treated", "Pr(>|t|)"],
    conf_low = ci["treated", 1], conf_high = ci["treated", 2], df = dfr,
    n_matched = nrow(md))
}
w17(do.call(rbind, all_pairs), "matching_pairs.csv")
w17(do.call(rbind, all_weights), "matching_weights.csv")
w17(do.call(rbind, all_bal), "matching_balance.csv")
w17(do.call(rbind, all_att), "matching_att.csv")
w17(do.call(rbind, all_ps), "matching_ps.csv")

writeLines(c(R.version.string,
             paste("sandwich", packageVersion("sandwich")),
             paste("lmtest", packageVersion("lmtest")),
             paste("MatchIt", packageVersion("MatchIt"))),
           file.path(out, "versions.txt"))
