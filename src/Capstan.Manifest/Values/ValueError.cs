namespace Capstan.Manifest.Values;

/// <summary>Why a value failed to parse, and at which character of the text (for a precise column).</summary>
public readonly record struct ValueError(string Message, int Offset = 0);
