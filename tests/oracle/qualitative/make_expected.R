# Reference values for pioneer.qualitative.agreement.
# Run from the repository root:  Rscript tests/oracle/qualitative/make_expected.R
# Needs R and the vcd package (Debian: r-cran-vcd). irr is not packaged in Debian, so
# Krippendorff's alpha is computed here in base R straight from the coincidence-matrix
# definition (Krippendorff 2011, "Computing Krippendorff's alpha-reliability", nominal
# metric), written independently of the Python code.
suppressPackageStartupMessages(library(vcd))
out_dir <- "tests/oracle/qualitative"
set.seed(20141101)

sets <- list()
add <- function(name, a, b) sets[[length(sets) + 1]] <<- data.frame(set = name, unit = seq_along(a), a = a, b = b)
add("hand_2x2", c(1,1,1,1,1,0,0,0,0,0), c(1,1,1,1,0,1,0,0,0,0))
add("krippendorff_2011_binary", c(0,1,0,0,0,0,0,0,1,0), c(1,1,1,0,0,1,0,0,0,0))
add("three_values", c(1,2,3,1,1,2,3,3,2,1,1,2), c(1,2,3,2,1,2,3,1,2,1,3,2))
for (i in 1:6) {
  n <- sample(15:60, 1)
  k <- sample(2:4, 1)
  a <- sample(1:k, n, replace = TRUE)
  flip <- runif(n) < 0.3
  b <- ifelse(flip, sample(1:k, n, replace = TRUE), a)
  add(sprintf("random_%d", i), a, b)
}
ratings <- do.call(rbind, sets)
write.csv(ratings, file.path(out_dir, "agreement_ratings.csv"), row.names = FALSE)

alpha_nominal <- function(a, b) {
  values <- sort(unique(c(a, b)))
  o <- matrix(0, length(values), length(values), dimnames = list(values, values))
  for (u in seq_along(a)) {          # two coders: each unit adds (a,b) and (b,a), weight 1
    i <- as.character(a[u]); j <- as.character(b[u])
    o[i, j] <- o[i, j] + 1
    o[j, i] <- o[j, i] + 1
  }
  n_c <- rowSums(o); n <- sum(n_c)
  d_o <- (sum(o) - sum(diag(o))) / n
  d_e <- (n^2 - sum(n_c^2)) / (n * (n - 1))
  1 - d_o / d_e
}

expected <- do.call(rbind, lapply(split(ratings, ratings$set), function(d) {
  levels <- sort(unique(c(d$a, d$b)))
  tab <- table(factor(d$a, levels = levels), factor(d$b, levels = levels))
  data.frame(set = d$set[1], units = nrow(d),
             kappa = Kappa(tab)$Unweighted[["value"]],
             alpha = alpha_nominal(d$a, d$b))
}))
write.csv(format(expected, digits = 17), file.path(out_dir, "agreement_expected.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("vcd", packageVersion("vcd"))), file.path(out_dir, "versions.txt"))
