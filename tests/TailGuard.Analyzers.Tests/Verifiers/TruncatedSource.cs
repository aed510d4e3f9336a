using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace TailGuard.Analyzers.Tests;

/// <summary>
/// Runs an analyzer over a snippet cut off at every statement boundary and every point inside an expression where typing
/// pauses (after '(', '.', '=>', ','), which is what an IDE hands an analyzer while someone types, and asserts it never throws.
/// </summary>
internal static class TruncatedSource
{
    public static async Task AssertAnalyzerNeverThrowsAsync(DiagnosticAnalyzer analyzer, string source)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        var compilationOptions = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable);
        foreach (var cut in CutPoints(source))
        {
            var tree = CSharpSyntaxTree.ParseText(source[..cut], parseOptions, path: "/0/Test0.cs");
            var compilation = CSharpCompilation.Create("Truncated", [tree], TestReferences.Net100, compilationOptions);
            var exceptions = new List<Exception>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                (exception, _, _) => exceptions.Add(exception),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers([analyzer], options).GetAnalyzerDiagnosticsAsync();
            Assert.True(exceptions.Count == 0, $"analyzer threw at offset {cut}: {string.Join(Environment.NewLine, exceptions)}");
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
        }
    }

    private static IEnumerable<int> CutPoints(string source)
    {
        for (var i = 0; i < source.Length; i++)
        {
            if (source[i] is ';' or '{' or '}' or '(' or '.' or ',' || (source[i] == '>' && i > 0 && source[i - 1] == '='))
            {
                yield return i + 1;
            }
        }
    }
}
