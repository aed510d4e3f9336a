using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace TailGuard.Analyzers.Tests;

/// <summary>
/// Applies one code fix to inline-marked source and compares with the expected result. The Testing library also applies
/// Fix All in document, project and solution scope and checks the same result, so every fix test is a Fix All test too;
/// use <see cref="VerifyFixAllAsync"/> for snippets with several diagnostics.
/// </summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) => new DiagnosticResult(id, DiagnosticSeverity.Warning);

    public static Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected)
        => CSharpAnalyzerVerifier<TAnalyzer>.VerifyAnalyzerAsync(source, expected);

    /// <summary>Applies the fix (and Fix All) and expects <paramref name="fixedSource"/>.</summary>
    /// <param name="codeActionEquivalenceKey">Pick one of several offered fixes by its equivalence key.</param>
    public static async Task VerifyCodeFixAsync(string source, string fixedSource, string? codeActionEquivalenceKey = null, string? editorConfig = null)
    {
        var test = new Test { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = codeActionEquivalenceKey };
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + editorConfig));
        }

        await test.RunAsync(CancellationToken.None);
    }

    /// <summary>
    /// For snippets with several diagnostics: the one-at-a-time fix loop and Fix All must both reach <paramref name="fixedSource"/>.
    /// </summary>
    public static async Task VerifyFixAllAsync(string source, string fixedSource, string? codeActionEquivalenceKey = null)
    {
        var test = new Test
        {
            TestCode = source,
            FixedCode = fixedSource,
            BatchFixedCode = fixedSource,
            CodeActionEquivalenceKey = codeActionEquivalenceKey,
            NumberOfIncrementalIterations = Test.Unknown,
            NumberOfFixAllIterations = Test.Unknown,
        };
        await test.RunAsync(CancellationToken.None);
    }

    /// <summary>Asserts that the diagnostics are reported but no fix is offered (for example, no await inside a lock).</summary>
    public static async Task VerifyNoCodeFixAsync(string source)
    {
        var test = new Test { TestCode = source, FixedCode = source };
        await test.RunAsync(CancellationToken.None);
    }

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        internal const int Unknown = -1;

        public Test()
        {
            ReferenceAssemblies = TestReferences.None;
            TestState.AdditionalReferences.AddRange(TestReferences.Net100);
            TestState.AdditionalReferences.AddRange(TestReferences.AspNetCore);
        }

        public new int? NumberOfIncrementalIterations
        {
            get => base.NumberOfIncrementalIterations;
            set => base.NumberOfIncrementalIterations = value == Unknown ? null : value;
        }

        public new int? NumberOfFixAllIterations
        {
            get => base.NumberOfFixAllIterations;
            set => base.NumberOfFixAllIterations = value == Unknown ? null : value;
        }

        protected override CompilationOptions CreateCompilationOptions()
            => ((CSharpCompilationOptions)base.CreateCompilationOptions())
                .WithOptimizationLevel(OptimizationLevel.Release)
                .WithNullableContextOptions(NullableContextOptions.Enable);

        protected override ParseOptions CreateParseOptions()
            => ((CSharpParseOptions)base.CreateParseOptions()).WithLanguageVersion(LanguageVersion.Preview);
    }
}
