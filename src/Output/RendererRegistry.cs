namespace TailGuard.Output;

/// <summary>
/// The renderers <c>--format</c> can name for one kind of report. Adding a renderer to a report's registry is the one step
/// to add a format: the command line, its help text and its validation pick it up.
/// </summary>
public sealed class RendererRegistry<TReport>
{
    public RendererRegistry(params IRenderer<TReport>[] renderers)
    {
        ArgumentNullException.ThrowIfNull(renderers);
        var duplicate = renderers.GroupBy(r => r.Format, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two renderers for the format '{duplicate.Key}'.", nameof(renderers));
        }

        All = renderers;
    }

    public IReadOnlyList<IRenderer<TReport>> All { get; }

    /// <summary>The formats, in the registry's order.</summary>
    public IEnumerable<string> Formats => All.Select(r => r.Format);

    /// <summary>What the command line accepts: the formats, and <see cref="OutputFormats.Text"/> when there is a console renderer.</summary>
    public IEnumerable<string> AcceptedFormats =>
        Find(OutputFormats.Console) is null ? Formats : Formats.Append(OutputFormats.Text);

    /// <summary>The renderer for a format name (any case, <c>text</c> for <c>console</c>), or null.</summary>
    public IRenderer<TReport>? Find(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var canonical = OutputFormats.Canonical(format);
        return All.FirstOrDefault(r => string.Equals(r.Format, canonical, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The renderer for a format name; a <see cref="UserError"/> when there is none.</summary>
    public IRenderer<TReport> Get(string format) =>
        Find(format) ?? throw new UserError($"Unknown format '{format}'.");
}
