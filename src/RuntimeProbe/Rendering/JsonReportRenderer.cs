using TailGuard.Output;
using TailGuard.RuntimeProbe.Reporting;

namespace TailGuard.RuntimeProbe.Rendering;

/// <summary>The machine interface: the report as <c>tailguard-report/1</c> JSON.</summary>
public sealed class JsonReportRenderer : IReportRenderer
{
    public string Format => OutputFormats.Json;

    public string FileExtension => ".json";

    public void Render(Report report, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine(ReportJson.Serialize(report));
    }
}
