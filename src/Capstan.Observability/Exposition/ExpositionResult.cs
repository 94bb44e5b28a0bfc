using System.Globalization;

namespace Capstan.Observability.Exposition;

/// <summary>
/// What a text exposition held: the families that parsed, in the order they first appeared, and one problem for each
/// line that did not. A bad line is skipped; it never hides the lines around it.
/// </summary>
public sealed record ExpositionResult(IReadOnlyList<MetricFamily> Families, IReadOnlyList<ExpositionProblem> Problems)
{
    /// <summary>An exposition with no families and no problems.</summary>
    public static ExpositionResult Empty { get; } = new([], []);

    /// <summary>The family of that name, or null.</summary>
    public MetricFamily? this[string name] => Families.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal));
}

/// <summary>
/// One line of an exposition that was skipped: its number (from 1) and what is wrong with it, e.g.
/// <c>label value of "path" is not closed by a double quote</c>. <see cref="ToString"/> puts the two together.
/// </summary>
public sealed record ExpositionProblem(int Line, string Message)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"line {Line}: {Message}");
}
