using System.Text.Json;

namespace TailGuard.Sizes;

/// <summary>Reads and writes <see cref="SizesReport"/> as <c>tailguard-sizes/1</c>.</summary>
public static class SizesJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string Serialize(SizesReport report) => JsonSerializer.Serialize(report, Options);

    /// <summary>Throws <see cref="InvalidDataException"/> when the document is not a tailguard-sizes/1.</summary>
    public static SizesReport Deserialize(string json)
    {
        SizesReport? report;
        try
        {
            report = JsonSerializer.Deserialize<SizesReport>(json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a TailGuard sizes report: {ex.Message}", ex);
        }

        if (report is null || report.Schema != SizesReport.SchemaVersion)
        {
            throw new InvalidDataException($"Not a {SizesReport.SchemaVersion} document (schema '{report?.Schema}').");
        }

        return report;
    }
}
