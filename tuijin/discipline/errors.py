"""The one error of the work-discipline rules."""


class DisciplineRuleError(ValueError):
    """A rule refused the change (nothing was saved); ``field`` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field
