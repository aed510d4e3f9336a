using System.Text.Json;
using System.Text.Json.Serialization;

namespace TailGuard.RuntimeProbe.Reporting;

/// <summary>Reads and writes <see cref="Report"/> as the versioned JSON document <c>tailguard-report/1</c>.</summary>
public static class ReportJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Serialize(Report report) => JsonSerializer.Serialize(report, Options);

    public static void Write(Report report, Stream stream) => JsonSerializer.Serialize(stream, report, Options);

    /// <summary>Reads a report; throws <see cref="InvalidDataException"/> when the document is not a tailguard-report/1.</summary>
    public static Report Deserialize(string json)
    {
        Report? report;
        try
        {
            report = JsonSerializer.Deserialize<Report>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a TailGuard report: {ex.Message}", ex);
        }

        if (report is null || report.Schema != Report.SchemaVersion)
        {
            throw new InvalidDataException($"Not a {Report.SchemaVersion} document (schema '{report?.Schema}').");
        }

        return report;
    }
}
