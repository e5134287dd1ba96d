# R's survival::coxph on the data benchmarks/cox.py writes: times the fit, writes coefficients,
# standard errors (robust with a cluster) and the elapsed seconds.
#   Rscript benchmarks/cox_r.R DATA.csv OUT.csv [robust]
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
robust <- length(args) >= 3 && args[3] == "robust"
t <- system.time(
  fit <- if (robust) {
    coxph(Surv(start, stop, event) ~ x1 + x2 + x3 + strata(s) + cluster(id), data = d, weights = w,
          ties = "efron")
  } else {
    coxph(Surv(start, stop, event) ~ x1 + x2 + x3, data = d, ties = "efron")
  })
se <- sqrt(diag(fit$var))
write.csv(data.frame(term = names(coef(fit)), coef = unname(coef(fit)), se = se,
                     seconds = unname(t["elapsed"])), args[2], row.names = FALSE)
