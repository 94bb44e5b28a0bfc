namespace Capstan.Manifest.Alerts;

public enum ComparisonOperator
{
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    Equal,
    NotEqual,
}

/// <summary>The unit a threshold is written in.</summary>
public enum ThresholdKind
{
    Number,
    Percentage,
    Duration,
    Size,
}

/// <summary>A threshold: <c>1%</c> (Value 1), <c>500ms</c> (Value 0.5 seconds), <c>2Gi</c> (bytes), <c>3</c>.</summary>
public sealed record AlertThreshold(ThresholdKind Kind, double Value, string Text);

/// <summary>A function argument and where it stands in the condition text.</summary>
public sealed record AlertArgument(string Value, int Offset);

/// <summary>
/// A parsed alert condition: a function of a service (<c>error_rate(api) &gt; 1%</c>) or a scraped series
/// (<c>queue_depth{queue="mail"} &gt; 1000</c>) compared with a threshold.
/// </summary>
public sealed record AlertCondition
{
    public required string Text { get; init; }

    /// <summary>The function (<c>error_rate</c>) or, for a scraped series, the series name.</summary>
    public required string Function { get; init; }

    /// <summary>True for a scraped series rather than a built-in function.</summary>
    public required bool IsSeries { get; init; }

    public required IReadOnlyList<AlertArgument> Arguments { get; init; }

    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    public required ComparisonOperator Operator { get; init; }

    public required AlertThreshold Threshold { get; init; }

    public AlertFunction? Definition => IsSeries ? null : AlertFunctions.Find(Function);

    public bool IsMet(double value) => Operator switch
    {
        ComparisonOperator.GreaterThan => value > Threshold.Value,
        ComparisonOperator.GreaterOrEqual => value >= Threshold.Value,
        ComparisonOperator.LessThan => value < Threshold.Value,
        ComparisonOperator.LessOrEqual => value <= Threshold.Value,
        ComparisonOperator.Equal => value == Threshold.Value,
        _ => value != Threshold.Value,
    };

    public override string ToString() => Text;
}
