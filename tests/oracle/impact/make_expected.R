# Reference values for pioneer.impact (did.py, keeble.py) from Debian's R packages.
#
#   cd tests/oracle/impact && Rscript make_expected.R
#
# Reads panel_linear.csv and panel_counts.csv (written by simulate.py) and writes
# expected_*.csv. Versions used are written to versions.txt.
suppressPackageStartupMessages({
  library(sandwich)
  library(lmtest)
  library(estimatr)
  library(plm)
})

lin <- read.csv("panel_linear.csv", stringsAsFactors = FALSE)
cnt <- read.csv("panel_counts.csv", stringsAsFactors = FALSE)
lin$area <- factor(lin$area_code)
lin$yr <- factor(lin$year)
cnt$area <- factor(cnt$area_code)
cnt$yr <- factor(cnt$year)

rows <- list()
add <- function(case, estimate, std_error, df = NA_real_, extra = NA_real_) {
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, estimate = estimate, std_error = std_error, df = df, extra = extra
  )
}

n_lin <- nrow(lin); g_lin <- nlevels(lin$area); t_lin <- nlevels(lin$yr)

# --- Linear TWFE, dummy-variable lm ------------------------------------------------
# CR1 "full": sandwich's HC1 for lm counts every dummy in K: G/(G-1) (N-1)/(N-K).
for (weighted in c(FALSE, TRUE)) {
  fit <- if (weighted) lm(outcome ~ post + area + yr, data = lin, weights = population)
         else lm(outcome ~ post + area + yr, data = lin)
  tag <- if (weighted) "_weighted" else ""
  v_full <- vcovCL(fit, cluster = ~area, type = "HC1")
  add(paste0("twfe_cr1_full", tag), coef(fit)["post"], sqrt(v_full["post", "post"]), g_lin - 1)
  # CR1 "nested": the area dummies are nested in the clusters and not counted; K counts
  # post, the T - 1 year dummies and the intercept (as Stata's xtreg and fixest do);
  # the cluster factor G/(G-1) comes from cadjust.
  v0 <- vcovCL(fit, cluster = ~area, type = "HC0", cadjust = TRUE)
  k_nested <- 1 + (t_lin - 1) + 1
  v_nested <- v0 * (n_lin - 1) / (n_lin - k_nested)
  add(paste0("twfe_cr1_nested", tag), coef(fit)["post"], sqrt(v_nested["post", "post"]),
      g_lin - 1, (n_lin - 1) / (n_lin - k_nested) * g_lin / (g_lin - 1))
  # p-value with G-1 df, as Stata and fixest report it
  ct <- coeftest(fit, vcov. = v_nested, df = g_lin - 1)
  add(paste0("twfe_cr1_nested_p", tag), ct["post", "t value"], ct["post", "Pr(>|t|)"])
  # CR2 with Bell-McCaffrey/Satterthwaite df (estimatr's default for CR2)
  rob <- if (weighted) lm_robust(outcome ~ post + area + yr, data = lin, clusters = area,
                                 se_type = "CR2", weights = population)
         else lm_robust(outcome ~ post + area + yr, data = lin, clusters = area, se_type = "CR2")
  add(paste0("twfe_cr2", tag), rob$coefficients["post"], rob$std.error["post"], rob$df["post"])
  if (!weighted) {  # estimatr offers CR2 with fixed_effects only unweighted
    rob_fe <- lm_robust(outcome ~ post, data = lin, clusters = area, se_type = "CR2",
                        fixed_effects = ~area + yr)
    add("twfe_cr2_fe", rob_fe$coefficients["post"], rob_fe$std.error["post"], rob_fe$df["post"])
  }
}

# Clusters coarser than areas: treated areas grouped in threes into "sites" (A000-A002 one
# site...), comparison areas alone. Areas stay nested in clusters, so K is as above.
lin$site <- ifelse(lin$cohort > 0,
                   paste0("s", as.integer(sub("A", "", lin$area_code)) %/% 3),
                   lin$area_code)
g_site <- length(unique(lin$site))
fit <- lm(outcome ~ post + area + yr, data = lin)
v0s <- vcovCL(fit, cluster = ~site, type = "HC0", cadjust = TRUE)
k_nested <- 1 + (t_lin - 1) + 1
add("twfe_cr1_site", coef(fit)["post"], sqrt(v0s["post", "post"] * (n_lin - 1) / (n_lin - k_nested)),
    g_site - 1)
rob_site <- lm_robust(outcome ~ post + area + yr, data = lin, clusters = site, se_type = "CR2")
add("twfe_cr2_site", rob_site$coefficients["post"], rob_site$std.error["post"],
    rob_site$df["post"])

# Unbalanced: drop 2011 for every seventh area and 2016 for A005 (the within transformation
# with explicit year dummies is exact for unbalanced panels too).
drop <- (lin$area_code %in% sprintf("A%03d", seq(0, 35, by = 7)) & lin$year == 2011) |
  (lin$area_code == "A005" & lin$year == 2016)
unb <- lin[!drop, ]
n_unb <- nrow(unb)
fit_u <- lm(outcome ~ post + area + yr, data = unb)
v0u <- vcovCL(fit_u, cluster = ~area, type = "HC0", cadjust = TRUE)
add("twfe_cr1_unbalanced", coef(fit_u)["post"],
    sqrt(v0u["post", "post"] * (n_unb - 1) / (n_unb - k_nested)), g_lin - 1)
rob_u <- lm_robust(outcome ~ post + area + yr, data = unb, clusters = area, se_type = "CR2")
add("twfe_cr2_unbalanced", rob_u$coefficients["post"], rob_u$std.error["post"], rob_u$df["post"])

# Clusters that do not nest the areas (years; for fe_ols): every area effect counts in K.
fit <- lm(outcome ~ post + area + yr, data = lin)
v_yr <- vcovCL(fit, cluster = ~yr, type = "HC1")
add("twfe_cr1_by_year", coef(fit)["post"], sqrt(v_yr["post", "post"]), t_lin - 1)
rob_yr <- lm_robust(outcome ~ post + area + yr, data = lin, clusters = yr, se_type = "CR2")
add("twfe_cr2_by_year", rob_yr$coefficients["post"], rob_yr$std.error["post"], rob_yr$df["post"])

# Weighted CR2 as computed by pioneer: OLS on the sqrt(weight)-scaled design and outcome
# (no intercept; the scaled dummies carry it), CR2 by area. estimatr's own weighted CR2
# (twfe_cr2_weighted above) applies the adjustment differently; both are recorded.
X <- model.matrix(~ post + area + yr, lin)
sw <- sqrt(lin$population)
scaled <- data.frame(ys = lin$outcome * sw, X * sw, area = lin$area)
rhs <- paste(colnames(scaled)[2:(ncol(X) + 1)], collapse = " + ")
rob_s <- lm_robust(as.formula(paste("ys ~ 0 +", rhs)), data = scaled, clusters = area,
                   se_type = "CR2")
add("twfe_cr2_weighted_scaled", rob_s$coefficients["post"], rob_s$std.error["post"],
    rob_s$df["post"])

# plm's within two-ways estimator: the same coefficient (an independent implementation).
pfit <- plm(outcome ~ post, data = pdata.frame(lin, index = c("area_code", "year")),
            model = "within", effect = "twoways")
add("twfe_plm", coef(pfit)["post"],
    sqrt(vcovHC(pfit, method = "arellano", type = "HC0", cluster = "group")["post", "post"]))

# --- Poisson FE DiD with log-population offset -------------------------------------
n_cnt <- nrow(cnt); g_cnt <- nlevels(cnt$area); t_cnt <- nlevels(cnt$yr)
pois <- glm(count ~ post + area + yr + offset(log(population)), family = poisson, data = cnt,
            control = glm.control(epsilon = 1e-12, maxit = 100))
vp_full <- vcovCL(pois, cluster = ~area, type = "HC1")
add("poisson_cr1_full", coef(pois)["post"], sqrt(vp_full["post", "post"]))
vp0 <- vcovCL(pois, cluster = ~area, type = "HC0", cadjust = TRUE)
k_nested <- 1 + (t_cnt - 1) + 1
vp_nested <- vp0 * (n_cnt - 1) / (n_cnt - k_nested)
add("poisson_cr1_nested", coef(pois)["post"], sqrt(vp_nested["post", "post"]),
    NA_real_, exp(coef(pois)["post"]))

# --- Keeble two-group comparison on the linear panel -------------------------------
# Each area's % change from its 2010-2012 mean to one follow-up year; treated = cohort
# 2013 areas, comparison = never treated (the 2015 cohort is left out, as the other wave).
base <- aggregate(outcome ~ area_code, data = subset(lin, year %in% 2010:2012), FUN = mean)
for (fy in c(2014, 2015)) {
  fol <- subset(lin, year == fy)[, c("area_code", "outcome", "cohort")]
  m <- merge(base, fol, by = "area_code", suffixes = c("_base", "_fu"))
  m$pct <- 100 * (m$outcome_fu / m$outcome_base - 1)
  tr <- m$pct[m$cohort == 2013]; co <- m$pct[m$cohort == 0]
  tt <- t.test(tr, co, var.equal = FALSE)
  add(paste0("keeble_welch_", fy), unname(diff(rev(tt$estimate))), tt$stderr,
      unname(tt$parameter), tt$p.value)
  add(paste0("keeble_mean_treated_", fy), mean(tr), sd(tr) / sqrt(length(tr)), length(tr) - 1)
  add(paste0("keeble_mean_comparison_", fy), mean(co), sd(co) / sqrt(length(co)),
      length(co) - 1)
  add(paste0("keeble_ci_", fy), tt$conf.int[1], tt$conf.int[2])
}

out <- do.call(rbind, rows)
write.csv(out, "expected.csv", row.names = FALSE)
writeLines(c(
  R.version.string,
  paste("sandwich", packageVersion("sandwich")),
  paste("lmtest", packageVersion("lmtest")),
  paste("estimatr", packageVersion("estimatr")),
  paste("plm", packageVersion("plm"))
), "versions.txt")
