# Shared by the generators of this folder (source("common.R") from it): the bundled data, the
# derived columns of a case (the same operations the test applies in Python), the IPA quadrant
# rule, case defaults and the writing of a reference file.
suppressMessages(library(jsonlite))

# a data file by name: the package's copy when it ships one, else tests/reference/data
read_data <- function(file) {
  pkg <- file.path("../../../loyaltyscope/datasets/data", file)
  read.csv(if (file.exists(pkg)) pkg else file.path("../data", file))
}

REV <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
# derived columns: list(name, op, ...); ops: mean_of (items, reverse = 7 - x, rowMeans without
# na.rm), linear (coef: named list, const), holes (col, every, offset: NA where (row - 1) %% every
# == offset), cycle (values repeated down the rows), head (the first `rows` rows), indicator (1 in
# row `row`, 1-based, else 0)
apply_derive <- function(d, ops) {
  n <- nrow(d)
  for (o in ops) {
    if (o$op == "mean_of") {
      m <- sapply(o$items, function(i) if (i %in% o$reverse) 7 - d[[i]] else d[[i]])
      d[[o$name]] <- rowMeans(m)
    } else if (o$op == "linear") {
      v <- rep(if (is.null(o$const)) 0 else o$const, n)
      for (k in names(o$coef)) v <- v + o$coef[[k]] * d[[k]]
      d[[o$name]] <- v
    } else if (o$op == "holes") {
      d[[o$col]][((seq_len(n) - 1) %% o$every) == o$offset] <- NA
    } else if (o$op == "head") {
      d <- d[seq_len(o$rows), , drop = FALSE]; n <- nrow(d)
    } else if (o$op == "indicator") {
      d[[o$name]] <- as.numeric(seq_len(n) == o$row)
    } else if (o$op == "cycle") {
      d[[o$name]] <- rep_len(unlist(o$values), n)
    } else stop("unknown op ", o$op)
  }
  d
}

quadrant <- function(imp, perf, ci, cp) {
  ifelse(imp >= ci, ifelse(perf >= cp, "Keep up the good work", "Concentrate here"),
         ifelse(perf >= cp, "Possible overkill", "Low priority"))
}

HS <- "holzinger_swineford_1939.csv"; HSM <- "holzinger_swineford_1939_missing.csv"
PD <- "political_democracy.csv"; BFI <- "bfi.csv"; MOBI <- "mobi.csv"; CR <- "corp_rep_data.csv"
L <- function(...) list(...)

# every case gets `derive` (empty by default) and the given fields (a NULL default is written as null)
with_defaults <- function(cases, ...) {
  defs <- list(...)
  lapply(cases, function(cs) {
    if (is.null(cs$derive)) cs$derive <- list()
    for (k in names(defs)) if (is.null(cs[[k]])) cs[k] <- list(defs[[k]])
    cs
  })
}

# the reference file: tolerances first, then kind, generator, versions, cases and any other parts
write_reference <- function(file, tolerances, generator, packages, cases, ...) {
  versions <- c(list(R = as.character(getRversion())),
                lapply(setNames(packages, packages), function(p) as.character(packageVersion(p))))
  out <- c(list(tolerances = tolerances, kind = "drivers",
                generated_by = paste0("tests/reference/extra_drivers/", generator), versions = versions,
                cases = cases), list(...))
  writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE, null = "null"), file)
  cat(file, ":", length(cases), "cases\n")
  invisible(out)
}
