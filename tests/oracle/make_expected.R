# Reference values for pioneer.survey.inference, computed with R and the survey package.
#
# Run from the repository root:
#     Rscript tests/oracle/make_expected.R
# It writes the CSV files beside this script (inputs and expected outputs). The Python tests
# read only those CSV files, so R is needed only to regenerate them. Every input is made here
# from a fixed grid or from set.seed(), so a rerun gives identical files.

suppressPackageStartupMessages(library(survey))

out_dir <- "tests/oracle"
if (!dir.exists(out_dir)) stop("run from the repository root: Rscript tests/oracle/make_expected.R")

# Write numbers with 17 significant digits so that 1e-10 comparisons are meaningful.
num <- function(x) ifelse(is.na(x) & !is.nan(x), "NA", sprintf("%.17g", x))
write_out <- function(df, name) {
  for (col in names(df)) if (is.double(df[[col]])) df[[col]] <- num(df[[col]])
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = FALSE)
}
# Run an expression, returning its value and whether R raised a warning.
with_warning_flag <- function(expr) {
  warned <- FALSE
  value <- withCallingHandlers(expr, warning = function(w) {
    warned <<- TRUE
    invokeRestart("muffleWarning")
  })
  list(value = value, warned = warned)
}

levels <- c(0.95, 0.90, 0.99)

# ---- Wilson score interval: prop.test(k, n, correct = FALSE)$conf.int ----------------------
grid <- list()
for (n in c(1, 2, 5, 10, 20, 29, 100, 148, 263, 1000)) {
  ks <- sort(unique(c(0, 1, 2, floor(n / 3), floor(n / 2), n - 1, n, if (n == 263) 81,
                      if (n == 148) 15)))
  ks <- ks[ks >= 0 & ks <= n]
  for (k in ks) grid[[length(grid) + 1]] <- c(k, n)
}
rows <- list()
for (g in grid) for (level in levels) {
  ci <- suppressWarnings(prop.test(g[1], g[2], correct = FALSE, conf.level = level)$conf.int)
  rows[[length(rows) + 1]] <- data.frame(k = as.integer(g[1]), n = as.integer(g[2]),
                                         confidence = level, lower = ci[1], upper = ci[2])
}
write_out(do.call(rbind, rows), "wilson.csv")

# ---- Two independent proportions: prop.test(c(k1, k2), c(n1, n2), correct = ...) ------------
set.seed(20160501)
pairs <- list(c(81, 263, 15, 148), c(56, 70, 48, 80), c(9, 10, 3, 10), c(5, 56, 0, 29),
              c(0, 5, 5, 5), c(1, 1, 0, 1), c(3, 7, 3, 7), c(0, 10, 0, 12), c(10, 10, 12, 12),
              c(1, 2, 1, 3), c(500, 1000, 430, 1000), c(2, 1000, 9, 1000))
for (i in 1:30) {
  n1 <- sample(2:300, 1); n2 <- sample(2:300, 1)
  pairs[[length(pairs) + 1]] <- c(rbinom(1, n1, runif(1)), n1, rbinom(1, n2, runif(1)), n2)
}
rows <- list()
for (p in pairs) for (correct in c(FALSE, TRUE)) {
  t <- suppressWarnings(prop.test(p[c(1, 3)], p[c(2, 4)], correct = correct))
  rows[[length(rows) + 1]] <- data.frame(k1 = as.integer(p[1]), n1 = as.integer(p[2]),
                                         k2 = as.integer(p[3]), n2 = as.integer(p[4]),
                                         correct = correct, statistic = unname(t$statistic),
                                         df = unname(t$parameter), p_value = t$p.value)
}
write_out(do.call(rbind, rows), "prop_test.csv")

# ---- Pearson chi-square for r x c tables: chisq.test(m, correct = ...) ----------------------
set.seed(20170601)
tables <- list(matrix(c(12, 5, 7, 9), 2), matrix(c(3, 1, 1, 3), 2), matrix(c(40, 60, 55, 45), 2),
               matrix(c(0, 4, 6, 2), 2), matrix(c(20, 22, 18, 15, 9, 12), 2),
               matrix(c(5, 8, 2, 14, 11, 9, 1, 3, 6, 7, 7, 4), 3),
               matrix(c(100, 80, 90, 110, 95, 70, 60, 40, 20, 10, 5, 8), 3))
for (i in 1:20) {
  repeat {
    r <- sample(2:3, 1); cc <- sample(2:5, 1)
    m <- matrix(rpois(r * cc, sample(c(2, 6, 25), 1)), r, cc)
    if (all(rowSums(m) > 0) && all(colSums(m) > 0)) break
  }
  tables[[length(tables) + 1]] <- m
}
cells <- list(); rows <- list()
for (id in seq_along(tables)) {
  m <- tables[[id]]
  cells[[id]] <- data.frame(table_id = id, row = as.integer(row(m)), col = as.integer(col(m)),
                            count = as.integer(m))
  for (correct in c(FALSE, TRUE)) {
    res <- with_warning_flag(chisq.test(m, correct = correct))
    t <- res$value
    rows[[length(rows) + 1]] <- data.frame(table_id = id, correct = correct,
                                           statistic = unname(t$statistic),
                                           df = unname(t$parameter), p_value = t$p.value,
                                           r_warned = res$warned, min_expected = min(t$expected))
  }
}
write_out(do.call(rbind, cells), "chisq_tables.csv")
write_out(do.call(rbind, rows), "chisq.csv")

# ---- McNemar: mcnemar.test(matrix(c(a, c, b, d), 2), correct = ...) ------------------------
# Only the discordant cells b and c enter the statistic; a and d are fixed at 10 and 7.
discordant <- c(0, 1, 2, 3, 5, 8, 13, 25, 60)
rows <- list(); brows <- list()
for (b in discordant) for (c in discordant) {
  for (correct in c(TRUE, FALSE)) {
    t <- mcnemar.test(matrix(c(10, c, b, 7), 2), correct = correct)
    rows[[length(rows) + 1]] <- data.frame(b = as.integer(b), c = as.integer(c),
                                           correct = correct, statistic = unname(t$statistic),
                                           df = unname(t$parameter), p_value = t$p.value)
  }
  if (b + c > 0) {
    t <- binom.test(b, b + c, p = 0.5, alternative = "two.sided")
    brows[[length(brows) + 1]] <- data.frame(b = as.integer(b), c = as.integer(c),
                                             p_value = t$p.value)
  }
}
write_out(do.call(rbind, rows), "mcnemar.csv")
write_out(do.call(rbind, brows), "binom.csv")

# ---- Newcombe (1998) hybrid score interval for p1 - p2 (method 10) --------------------------
# Base R has no function for it, so it is assembled here from R's Wilson limits
# (prop.test, correct = FALSE) with Newcombe's formula:
#   lower = d - sqrt((p1 - l1)^2 + (u2 - p2)^2),  upper = d + sqrt((u1 - p1)^2 + (p2 - l2)^2).
wilson <- function(k, n, level) suppressWarnings(prop.test(k, n, correct = FALSE,
                                                           conf.level = level)$conf.int)
rows <- list()
for (p in pairs) for (level in c(0.95, 0.90)) {
  w1 <- wilson(p[1], p[2], level); w2 <- wilson(p[3], p[4], level)
  p1 <- p[1] / p[2]; p2 <- p[3] / p[4]; d <- p1 - p2
  rows[[length(rows) + 1]] <- data.frame(
    k1 = as.integer(p[1]), n1 = as.integer(p[2]), k2 = as.integer(p[3]), n2 = as.integer(p[4]),
    confidence = level, difference = d,
    lower = d - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
    upper = d + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
}
write_out(do.call(rbind, rows), "newcombe.csv")

# ---- Weighted proportions: survey::svyciprop ----------------------------------------------
# Each data set is one survey wave: respondents nested in sites of unequal size, a yes/no
# answer y, and a weight w. Data sets 1-4 and 6 use equal site weighting (w = 1 / number of
# the site's respondents); data set 5 uses arbitrary positive weights.
set.seed(20180701)
make_sites <- function(n_sites, max_size, p_mean, spread) {
  sizes <- sample(1:max_size, n_sites, replace = TRUE)
  p_site <- plogis(qlogis(p_mean) + rnorm(n_sites, 0, spread))
  site <- rep(sprintf("site%02d", seq_len(n_sites)), sizes)
  y <- rbinom(length(site), 1, rep(p_site, sizes))
  data.frame(site = site, y = y)
}
equal_site <- function(d) { d$w <- 1 / ave(rep(1, nrow(d)), d$site, FUN = sum); d }
datasets <- list(
  equal_site(make_sites(8, 15, 0.6, 0.8)),
  equal_site(make_sites(25, 30, 0.35, 0.6)),
  equal_site(make_sites(3, 12, 0.5, 0.5)),
  equal_site(make_sites(12, 10, 0.08, 0.3)),
  within(make_sites(6, 12, 0.45, 0.7), w <- round(runif(length(y), 0.5, 3), 3)),
  equal_site(data.frame(site = rep(c("a", "b", "c", "d", "e"), c(1, 2, 9, 4, 1)),
                        y = c(1, 0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0)))
)
inputs <- list(); rows <- list()
for (id in seq_along(datasets)) {
  d <- datasets[[id]]
  inputs[[id]] <- data.frame(dataset = id, site = d$site, y = as.integer(d$y), w = d$w)
  designs <- list(clustered = svydesign(ids = ~site, weights = ~w, data = d),
                  unclustered = svydesign(ids = ~1, weights = ~w, data = d))
  for (dname in names(designs)) for (method in c("beta", "logit")) for (level in c(0.95, 0.90)) {
    des <- designs[[dname]]
    ci <- suppressWarnings(svyciprop(~y, des, method = method, level = level))
    rows[[length(rows) + 1]] <- data.frame(
      dataset = id, design = dname, method = method, confidence = level,
      estimate = unname(as.numeric(ci)), lower = unname(attr(ci, "ci")[1]),
      upper = unname(attr(ci, "ci")[2]), se = sqrt(as.numeric(attr(ci, "var"))),
      df = degf(des))
  }
}
write_out(do.call(rbind, inputs), "svyciprop_data.csv")
write_out(do.call(rbind, rows), "svyciprop.csv")

writeLines(c(R.version.string, paste("survey", packageVersion("survey"))),
           file.path(out_dir, "versions.txt"))
