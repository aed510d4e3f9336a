using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace TailGuard.Tool.Commands;

/// <summary>
/// Whole-number options and arguments whose bad values are one usage error naming the option and what it accepts
/// (<c>--buffer-mb must be a whole number between 1 and 4096 (MB): 'banana' is not a whole number.</c>), never an exception.
/// </summary>
/// <remarks>
/// The range is checked in the parser itself rather than in a validator: System.CommandLine runs validators even after a
/// conversion failed, and a validator that reads the value then throws (<c>attach abc</c> crashed with exit code 134 so).
/// </remarks>
internal static class NumberOptions
{
    /// <summary>An option taking a whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<int?> Create(string name, string description, int min, int max, string? unit = null, params string[] aliases) =>
        Create(name, "N", description, min, max, unit, aliases);

    private static Option<int?> Create(string name, string helpName, string description, int min, int max, string? unit, string[] aliases) =>
        new(name, aliases)
        {
            Description = description,
            HelpName = helpName,
            CustomParser = result => Parse(result, Describe(result, name), min, max, unit),
        };

    /// <summary>An argument taking a whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Argument<int?> Argument(string name, string description, int min, int max) =>
        new(name)
        {
            Description = description,
            Arity = ArgumentArity.ZeroOrOne,
            CustomParser = result => Parse(result, name, min, max, unit: null),
        };

    /// <summary>What a process id accepts: any positive <see cref="int"/>.</summary>
    public static Option<int?> ProcessId(string name, string description, params string[] aliases) =>
        Create(name, "pid", description, 1, int.MaxValue, unit: null, aliases);

    private static int? Parse(ArgumentResult result, string name, int min, int max, string? unit)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[0].Value;
        var range = string.Create(CultureInfo.InvariantCulture, $"between {min} and {max}{(unit is null ? "" : " " + unit)}");
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            // Digits beyond long's range are still a number, just out of range.
            var digits = text.TrimStart('-', '+');
            var tooLarge = digits.Length > 0 && digits.All(char.IsAsciiDigit);
            result.AddError(tooLarge
                ? $"{name} must be {range}: {text} is out of range."
                : $"{name} must be a whole number {range}: '{text}' is not a whole number.");
            return null;
        }

        if (value < min || value > max)
        {
            result.AddError($"{name} must be {range}: {text} is out of range.");
            return null;
        }

        return (int)value;
    }

    // The spelling the user typed (--buffersize or --buffer-mb), so the message names what is on their command line.
    private static string Describe(ArgumentResult result, string name) =>
        result.Parent is OptionResult { IdentifierToken: { } token } ? token.Value : name;
}
