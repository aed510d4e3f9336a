using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TailGuard.RuntimeProbe.Rendering.Html;

/// <summary>Escaping and number formatting for the HTML report.</summary>
internal static partial class Html
{
    /// <summary>Where rule pages live; the same base as the analyzers' help links (RuleDescriptor.HelpLinkBase).</summary>
    public const string RuleDocsBase = "https://github.com/tailguard/tailguard/blob/main/docs/rules/";

    /// <summary>
    /// Escapes text for element content and quoted attribute values alike, in HTML and in inline SVG. Request paths, endpoint
    /// names, stack frames and the command line come from the target and are attacker-controlled: every one goes through
    /// here. Control characters and lone surrogates, which neither HTML nor XML may carry, become U+FFFD.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var sb = new StringBuilder(text.Length + 16);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case '\t' or '\n' or '\r': sb.Append(' '); break;
                case < ' ' or '\u007f' or '\ufffe' or '\uffff': sb.Append('\ufffd'); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append('\ufffd');
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }

    /// <summary>A link to a rule's documentation page, or the escaped text when it is not a TailGuard rule id.</summary>
    public static string RuleLink(string? rule) => rule is not null && RuleId().IsMatch(rule)
        ? $"<a class=\"rule\" href=\"{RuleDocsBase}{rule}.md\">{rule}</a>"
        : Escape(rule);

    /// <summary>An SVG coordinate: invariant culture, two decimals at most.</summary>
    public static string N(double value) =>
        double.IsFinite(value) ? Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture) : "0";

    /// <summary>A latency for an axis label: short, no trailing zeros ("0.5 ms", "20 ms", "1.5 s").</summary>
    public static string AxisMs(double ms) => ms switch
    {
        >= 1000 => (ms / 1000).ToString("0.###", CultureInfo.InvariantCulture) + " s",
        _ => ms.ToString("0.####", CultureInfo.InvariantCulture) + " ms",
    };

    /// <summary>A session time in seconds for the timeline's axis and tooltips.</summary>
    public static string Seconds(double ms, double stepMs = 1000) =>
        (ms / 1000).ToString(stepMs >= 1000 ? "0.#" : stepMs >= 100 ? "0.0#" : "0.0##", CultureInfo.InvariantCulture) + " s";

    [GeneratedRegex("^TG[0-9]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex RuleId();
}
