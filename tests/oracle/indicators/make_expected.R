# Reference values for pioneer.indicators.statistics, computed with base R only.
#
# Run from the repository root:
#     Rscript tests/oracle/indicators/make_expected.R
# It writes the CSV files beside this script: the inputs it made and the expected outputs.
# The Python tests (tests/test_ind_statistics_oracle.py) read only those files, so R is needed
# only to regenerate them. Inputs come from fixed grids or set.seed(), so a rerun gives
# identical files.
#
# Sources of the expected values:
# - Wilson score limits: prop.test(x, n, correct = FALSE)$conf.int
# - exact Poisson limits: poisson.test(x, T, conf.level = )$conf.int (T = denominator or
#   the expected count, so the limits come out already divided by it)
# - Byar's limits: base R has no function for them, so the formula of Breslow & Day (1987),
#   vol. II, is written out below with qnorm() (a second, separate implementation)
# - Dobson's DSR limits (Dobson et al. 1991): written out below from the age-specific
#   counts with Byar's limits on the total count
# - t-interval for a mean: t.test(x, conf.level = )$conf.int

out_dir <- "tests/oracle/indicators"
if (!dir.exists(out_dir)) {
  stop("run from the repository root: Rscript tests/oracle/indicators/make_expected.R")
}

# 17 significant digits so that 1e-10 comparisons are meaningful.
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write_out <- function(df, name) {
  for (col in names(df)) if (is.double(df[[col]])) df[[col]] <- num(df[[col]])
  write.csv(df, file.path(out_dir, name), row.names = FALSE, quote = FALSE)
}

levels <- c(0.95, 0.998, 0.90)
exact_below <- 10  # Fingertips: exact Poisson limits below 10 events, Byar's method from 10

byars <- function(x, level) {
  z <- qnorm(1 - (1 - level) / 2)
  lower <- x * (1 - 1 / (9 * x) - z / (3 * sqrt(x)))^3
  upper <- (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * sqrt(x + 1)))^3
  c(lower, upper)
}
# Limits for a Poisson count x, divided by t: exact below 10, Byar's from 10.
count_limits <- function(x, t, level) {
  if (x < exact_below) poisson.test(x, t, conf.level = level)$conf.int[1:2]
  else byars(x, level) / t
}

# ---- Wilson score limits --------------------------------------------------------------------
rows <- list()
for (n in c(1, 2, 7, 10, 50, 100, 263, 1000, 5000, 250000)) {
  xs <- sort(unique(c(0, 1, floor(n / 7), floor(n / 2), n - 1, n, if (n == 5000) 1045,
                      if (n == 100) 65)))
  for (x in xs[xs >= 0 & xs <= n]) for (level in levels) {
    ci <- suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = level)$conf.int)
    rows[[length(rows) + 1]] <- data.frame(numerator = x, denominator = n, confidence = level,
                                           lower = ci[1], upper = ci[2])
  }
}
write_out(do.call(rbind, rows), "wilson.csv")

# ---- Exact Poisson limits on a count ----------------------------------------------------------
rows <- list()
for (x in c(0:30, 50, 100, 388, 389, 1000, 12345)) for (level in levels) {
  ci <- poisson.test(x, conf.level = level)$conf.int
  rows[[length(rows) + 1]] <- data.frame(count = x, confidence = level,
                                         lower = ci[1], upper = ci[2])
}
write_out(do.call(rbind, rows), "poisson_exact.csv")

# ---- Byar's limits on a count (formula) -------------------------------------------------------
rows <- list()
for (x in c(10, 11, 15, 25, 65, 100, 389, 1045, 12345, 1e6)) for (level in levels) {
  ci <- byars(x, level)
  rows[[length(rows) + 1]] <- data.frame(count = x, confidence = level,
                                         lower = ci[1], upper = ci[2])
}
write_out(do.call(rbind, rows), "byars.csv")

# ---- Crude rates per 100,000 --------------------------------------------------------------------
set.seed(20180401)
areas <- 60
counts <- c(0, 1, 2, 5, 9, 10, 11, 30, rpois(areas - 8, sample(c(3, 8, 40, 400, 4000),
                                                               areas - 8, replace = TRUE)))
pops <- sample(c(900, 5000, 48000, 150000, 1300000), areas, replace = TRUE)
pops <- pmax(pops, counts)
inputs <- data.frame(area = sprintf("A%02d", seq_len(areas)), numerator = counts,
                     denominator = pops)
write_out(inputs, "crude_rate_input.csv")
rows <- list()
for (i in seq_len(areas)) for (level in c(0.95, 0.998)) {
  ci <- count_limits(counts[i], pops[i], level) * 1e5
  rows[[length(rows) + 1]] <- data.frame(area = inputs$area[i], confidence = level,
                                         value = counts[i] / pops[i] * 1e5,
                                         lower = ci[1], upper = ci[2],
                                         method = if (counts[i] < exact_below) "Exact" else "Byars")
}
write_out(do.call(rbind, rows), "crude_rate.csv")

# ---- Directly standardised rates (Dobson) with the 2013 European Standard Population ----------
# Eurostat (2013) Revision of the European Standard Population, Annex F, 19 bands, 90+ merged.
esp <- c(5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500,
         5000, 4000, 2500, 1500, 1000)
bands <- c(paste0(seq(0, 85, 5), "-", seq(4, 89, 5)), "90+")
set.seed(20170301)
groups <- expand.grid(area = c("E06000001", "E06000002", "E08000035", "E09000030"),
                      year = c(2016, 2017), stringsAsFactors = FALSE)
rows <- list()
for (g in seq_len(nrow(groups))) {
  pop <- round(runif(19, 800, 40000) * c(rep(1, 13), 0.9, 0.8, 0.6, 0.4, 0.25, 0.1))
  risk <- c(1e-4, 5e-5, 5e-5, 2e-4, 3e-4, 2e-4, 2e-4, 3e-4, 3e-4, 4e-4, 6e-4, 9e-4, 1.5e-3,
            2.5e-3, 4e-3, 7e-3, 1.2e-2, 2e-2, 3.5e-2) * sample(c(0.02, 0.5, 1, 3), 1)
  x <- rpois(19, pop * risk)
  if (g == 3) x <- c(rep(0, 16), 1, 3, 2)  # 6 events in all: not published
  if (g == 4) x <- rep(0, 19)              # no events at all
  rows[[g]] <- data.frame(area = groups$area[g], year = groups$year[g], age_band = bands,
                          numerator = x, denominator = pop, standard = esp)
}
dsr_input <- do.call(rbind, rows)
write_out(dsr_input, "dsr_input.csv")
rows <- list()
for (g in seq_len(nrow(groups))) {
  d <- dsr_input[dsr_input$area == groups$area[g] & dsr_input$year == groups$year[g], ]
  w <- d$standard / sum(d$standard)
  dsr <- sum(w * d$numerator / d$denominator)
  variance <- sum(w^2 * d$numerator / d$denominator^2)
  total <- sum(d$numerator)
  for (level in c(0.95, 0.998)) {
    ci <- byars(total, level)
    lower <- dsr + sqrt(variance / total) * (ci[1] - total)
    upper <- dsr + sqrt(variance / total) * (ci[2] - total)
    published <- total >= 10
    rows[[length(rows) + 1]] <- data.frame(
      area = groups$area[g], year = groups$year[g], confidence = level,
      numerator = total, denominator = sum(d$denominator),
      value = if (published) dsr * 1e5 else NA, lower = if (published) lower * 1e5 else NA,
      upper = if (published) upper * 1e5 else NA)
  }
}
write_out(do.call(rbind, rows), "dsr.csv")

# ---- Indirectly standardised rates and ratios (SMR) -------------------------------------------
# Reference: England-like counts by 5-year band from 65 (older people's indicators).
old_bands <- c("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
reference <- data.frame(age_band = old_bands,
                        numerator = c(9120, 14210, 21500, 29800, 31200, 24100),
                        denominator = c(2950000, 2480000, 1790000, 1290000, 770000, 510000))
write_out(reference, "isr_reference.csv")
set.seed(20150701)
isr_groups <- c("E07000008", "E07000009", "E07000011", "E07000012", "E10000015")
rows <- list()
for (a in isr_groups) {
  pop <- round(runif(6, 300, 9000) * c(1, 0.85, 0.7, 0.5, 0.3, 0.15))
  x <- rpois(6, pop * reference$numerator / reference$denominator *
               sample(c(0.02, 0.3, 1, 1.4), 1))
  if (a == "E07000011") x <- c(0, 0, 1, 0, 2, 1)  # 4 events: exact limits
  rows[[a]] <- data.frame(area = a, age_band = old_bands, numerator = x, denominator = pop)
}
isr_input <- do.call(rbind, rows)
write_out(isr_input, "isr_input.csv")
reference_rate <- sum(reference$numerator) / sum(reference$denominator)
rows <- list()
for (a in isr_groups) {
  d <- isr_input[isr_input$area == a, ]
  expected <- sum(d$denominator * reference$numerator / reference$denominator)
  observed <- sum(d$numerator)
  for (level in c(0.95, 0.998)) {
    ci <- count_limits(observed, expected, level)
    rows[[length(rows) + 1]] <- data.frame(
      area = a, confidence = level, observed = observed, expected = expected,
      smr = observed / expected, smr_lower = ci[1], smr_upper = ci[2],
      isr = observed / expected * reference_rate * 1e5,
      isr_lower = ci[1] * reference_rate * 1e5, isr_upper = ci[2] * reference_rate * 1e5,
      method = if (observed < exact_below) "Exact" else "Byars")
  }
}
write_out(do.call(rbind, rows), "isr.csv")

# ---- Means with a t-interval -------------------------------------------------------------------
set.seed(20160901)
mean_input <- rbind(
  data.frame(site = "barnsley", value = round(rnorm(12, 21.5, 4), 2)),
  data.frame(site = "greenwich", value = round(rnorm(5, 30, 11), 2)),
  data.frame(site = "kent", value = c(18.2, 24.9)),
  data.frame(site = "leeds", value = round(rgamma(40, 3, 0.2), 2)))
write_out(mean_input, "mean_input.csv")
rows <- list()
for (s in unique(mean_input$site)) {
  v <- mean_input$value[mean_input$site == s]
  for (level in c(0.95, 0.998)) {
    ci <- t.test(v, conf.level = level)$conf.int
    rows[[length(rows) + 1]] <- data.frame(site = s, confidence = level, count = length(v),
                                           sd = sd(v), value = mean(v), lower = ci[1],
                                           upper = ci[2])
  }
}
write_out(do.call(rbind, rows), "mean.csv")

writeLines(R.version.string, file.path(out_dir, "versions.txt"))
