"""Satisfaction after closure: the survey a closure starts, its signed links, the
answers, and the figures the reports show."""
