namespace TailGuard.RuntimeProbe.Timeline;

/// <summary>A closed time window in milliseconds since the session start.</summary>
internal readonly record struct Interval(double Start, double End)
{
    public double Duration => End - Start;

    /// <summary>Strict overlap: windows that only touch at an edge do not overlap.</summary>
    public bool Overlaps(double start, double end) => Start < end && End > start;

    public double OverlapLength(double start, double end) => Math.Max(0, Math.Min(End, end) - Math.Max(Start, start));
}
