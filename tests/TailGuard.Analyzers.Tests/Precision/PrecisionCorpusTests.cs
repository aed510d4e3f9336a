using System.Collections.Immutable;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace TailGuard.Analyzers.Tests.Precision;

/// <summary>
/// Issue 7's precision corpus: realistic files in the style of a PostgreSQL-like driver, a Redis-like cache client and an ASP.NET Core
/// microservice with its tests (<c>Precision/Corpus/&lt;Project&gt;/*.cs</c>, copied to the output, each folder compiled as one project).
/// The idioms that do not block are there in quantity; the genuinely blocking calls are planted among them and marked with a trailing
/// <c>// expect: TGnnnn</c>. Every TailGuard analyzer runs over the corpus. TG1001–TG1003 must report exactly the planted calls;
/// other rules are printed, and asserted only on lines that carry an expectation for them.
/// </summary>
public sealed partial class PrecisionCorpusTests
{
    private static readonly string[] BlockingRules = { "TG1001", "TG1002", "TG1003" };

    /// <summary>Projects in dependency order: a project may reference the ones before it.</summary>
    private static readonly (string Name, OutputKind Kind, string[] References)[] Projects =
    {
        ("Driver", OutputKind.DynamicallyLinkedLibrary, Array.Empty<string>()),
        ("Cache", OutputKind.DynamicallyLinkedLibrary, Array.Empty<string>()),
        ("Service", OutputKind.ConsoleApplication, new[] { "Driver", "Cache" }),
        ("ServiceTests", OutputKind.DynamicallyLinkedLibrary, new[] { "Driver", "Cache", "Service" }),

        // Issue 13: a messaging client (AMQP-like connection and channels, Redis-like multiplexer) and a resilience library.
        ("Messaging", OutputKind.DynamicallyLinkedLibrary, Array.Empty<string>()),
        ("Resilience", OutputKind.DynamicallyLinkedLibrary, Array.Empty<string>()),
        ("Libraries", OutputKind.DynamicallyLinkedLibrary, Array.Empty<string>()),
    };

    private static readonly Lazy<Task<CorpusRun>> Run = new(AnalyzeCorpusAsync);

    private readonly ITestOutputHelper output;

    public PrecisionCorpusTests(ITestOutputHelper output) => this.output = output;

    [Fact]
    public async Task Every_corpus_project_compiles_without_errors()
    {
        var run = await Run.Value;
        var errors = run.CompilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Describe).ToList();
        Assert.True(errors.Count == 0, "Corpus compile errors:\n" + string.Join("\n", errors));
    }

    [Fact]
    public async Task Every_planted_blocking_call_is_reported_exactly_once()
    {
        var run = await Run.Value;
        var failures = new List<string>();
        foreach (var expectation in run.Expectations.Where(e => IsJudgedBlocking(e.Id, e.File)))
        {
            var count = run.Findings.Count(f => f.Id == expectation.Id && f.File == expectation.File && f.Line == expectation.Line);
            if (count != 1)
            {
                failures.Add($"{expectation.File}({expectation.Line}): expected one {expectation.Id}, got {count}: {expectation.Text}");
            }
        }

        Assert.True(failures.Count == 0, "Missed or duplicated planted calls:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task No_blocking_rule_reports_anything_that_was_not_planted()
    {
        var run = await Run.Value;
        var falsePositives = run.Findings
            .Where(f => IsJudgedBlocking(f.Id, f.File) && !run.IsExpected(f))
            .Select(f => f.ToString())
            .ToList();
        Assert.True(falsePositives.Count == 0, "False positives:\n" + string.Join("\n", falsePositives));
    }

    [Fact]
    public async Task Other_rules_report_the_lines_marked_for_them()
    {
        var run = await Run.Value;
        foreach (var finding in run.Findings.Where(f => !IsJudgedBlocking(f.Id, f.File)))
        {
            output.WriteLine((run.IsExpected(finding) ? "expected   " : "unmarked   ") + finding);
        }

        var missed = run.Expectations
            .Where(e => !IsJudgedBlocking(e.Id, e.File))
            .Where(e => !run.Findings.Any(f => f.Id == e.Id && f.File == e.File && f.Line == e.Line))
            .Select(e => $"{e.File}({e.Line}): expected {e.Id}: {e.Text}")
            .ToList();
        Assert.True(missed.Count == 0, "Missed:\n" + string.Join("\n", missed));
    }

    [Fact]
    public async Task Summary_of_findings_per_rule()
    {
        var run = await Run.Value;
        output.WriteLine($"Corpus: {run.Files} files, {run.Lines} lines in {Projects.Length} projects; "
            + $"{run.Expectations.Count(e => BlockingRules.Contains(e.Id))} planted blocking calls.");
        foreach (var group in run.Findings.GroupBy(f => f.Id).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var truePositives = group.Count(run.IsExpected);
            output.WriteLine($"{group.Key}: {group.Count()} findings, {truePositives} true positives, {group.Count() - truePositives} not marked"
                + (BlockingRules.Contains(group.Key) ? " (false positives)" : " (printed only)"));
        }

        var blocking = run.Findings.Where(f => IsJudgedBlocking(f.Id, f.File)).ToList();
        var truePositive = blocking.Count(run.IsExpected);
        output.WriteLine($"SUMMARY TG1001/TG1002/TG1003: {blocking.Count} findings, {truePositive} true positives, "
            + $"{blocking.Count - truePositive} false positives, "
            + $"{run.Expectations.Count(e => BlockingRules.Contains(e.Id) && !run.Findings.Any(f => f.Id == e.Id && f.File == e.File && f.Line == e.Line))} missed");

        // The corpus must stay big enough to mean something, and plant every blocking rule.
        Assert.True(run.Lines >= 2000, $"the corpus has only {run.Lines} lines");
        Assert.All(BlockingRules, id => Assert.Contains(run.Expectations, e => e.Id == id));
    }

    /// <summary>
    /// What an IDE hands the analyzers while someone types the corpus's idioms: each file cut at the end and in the middle of every
    /// statement that involves them, analyzed by the blocking rules in its project. No analyzer may throw.
    /// </summary>
    [Fact]
    public async Task The_blocking_rules_do_not_throw_on_the_corpus_cut_inside_its_idioms()
    {
        var run = await Run.Value;
        var analyzers = DiscoverAnalyzers().Where(a => a.SupportedDiagnostics.Any(d => BlockingRules.Contains(d.Id))).ToImmutableArray();
        var exceptions = new List<string>();
        var cuts = 0;
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var compilation in run.Compilations)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                var text = (await tree.GetTextAsync()).ToString();
                var positions = (await tree.GetRootAsync()).DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax>()
                    .Where(statement => IdiomMarkers().IsMatch(statement.ToString()) && statement.Span.Length < 400)
                    .SelectMany(statement => new[] { statement.Span.End, statement.SpanStart + (statement.Span.Length / 2) })
                    .Distinct();
                foreach (var position in positions)
                {
                    cuts++;
                    var cut = tree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text[..position]));
                    var withCut = compilation.ReplaceSyntaxTree(tree, cut);
                    var options = new CompilationWithAnalyzersOptions(
                        new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                        (exception, analyzer, _) => exceptions.Add($"{tree.FilePath}@{position} {analyzer.GetType().Name}: {exception.Message}"),
                        concurrentAnalysis: false,
                        logAnalyzerExecutionTime: false);
                    var diagnostics = await withCut.WithAnalyzers(analyzers, options)
                        .GetAnalyzerSemanticDiagnosticsAsync(withCut.GetSemanticModel(cut), filterSpan: null, CancellationToken.None);
                    exceptions.AddRange(diagnostics.Where(d => d.Id == "AD0001").Select(d => $"{tree.FilePath}@{position}: {d.GetMessage()}"));
                }
            }
        }

        output.WriteLine($"{cuts} cuts analyzed in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.Empty(exceptions);
    }

    [GeneratedRegex(@"WhenAny|GetResult|Debug\.Assert|IsDBNull|GetFieldValue|ReadAllText|Thread\.Sleep|\.Where\(|\(async\)|async \?|\.Dispose\(\)|\.Complete\(\)|ReadToEnd|\.Wait\(")]
    private static partial Regex IdiomMarkers();

    private static async Task<CorpusRun> AnalyzeCorpusAsync()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "Precision", "Corpus");
        var analyzers = DiscoverAnalyzers();
        var parseOptions = new CSharpParseOptions(LanguageVersion.Preview);
        var baseReferences = TestReferences.Net100.AddRange(TestReferences.AspNetCore)
            .Add(MetadataReference.CreateFromFile(typeof(Microsoft.Net.Http.Headers.MediaTypeHeaderValue).Assembly.Location))
            .Add(MetadataReference.CreateFromFile(typeof(FactAttribute).Assembly.Location))
            .Add(MetadataReference.CreateFromFile(typeof(Assert).Assembly.Location));
        var compiled = new Dictionary<string, Compilation>(StringComparer.Ordinal);
        var run = new CorpusRun();
        foreach (var (name, kind, references) in Projects)
        {
            var trees = new List<SyntaxTree>();
            foreach (var path in Directory.EnumerateFiles(Path.Combine(root, name), "*.cs").Order(StringComparer.Ordinal))
            {
                var text = await File.ReadAllTextAsync(path);
                var display = name + "/" + Path.GetFileName(path);
                trees.Add(CSharpSyntaxTree.ParseText(text, parseOptions, path: display));
                run.Files++;
                run.AddExpectations(display, text);
            }

            var compilation = CSharpCompilation.Create(
                "Corpus." + name,
                trees,
                baseReferences.AddRange(references.Select(r => (MetadataReference)compiled[r].ToMetadataReference())),
                new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));
            compiled[name] = compilation;
            run.Compilations.Add(compilation);
            run.CompilerDiagnostics.AddRange(compilation.GetDiagnostics());

            var exceptions = new List<string>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                (exception, analyzer, _) => exceptions.Add(analyzer.GetType().Name + ": " + exception),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            if (exceptions.Count > 0 || diagnostics.Any(d => d.Id == "AD0001"))
            {
                throw new InvalidOperationException("Analyzer exceptions on the corpus:\n" + string.Join("\n", exceptions)
                    + string.Join("\n", diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage())));
            }

            foreach (var diagnostic in diagnostics.Where(d => d.Id.StartsWith("TG", StringComparison.Ordinal)))
            {
                var span = diagnostic.Location.GetLineSpan();
                run.Findings.Add(new Finding(diagnostic.Id, span.Path, span.StartLinePosition.Line + 1,
                    diagnostic.Location.SourceTree!.GetText().Lines[span.StartLinePosition.Line].ToString().Trim(), diagnostic.GetMessage()));
            }
        }

        return run;
    }

    /// <summary>Every analyzer in the TailGuard.Analyzers assembly, so a new rule runs over the corpus without touching this test.</summary>
    private static ImmutableArray<DiagnosticAnalyzer> DiscoverAnalyzers()
        => typeof(BlockingTaskWaitAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

    private static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return $"{span.Path}({span.StartLinePosition.Line + 1}): {diagnostic.Id} {diagnostic.GetMessage()}";
    }

    [GeneratedRegex(@"//\s*expect:\s*(?<ids>TG\d{4}(\s*,\s*TG\d{4})*)")]
    private static partial Regex ExpectComment();

    private sealed record Expectation(string Id, string File, int Line, string Text);

    private sealed record Finding(string Id, string File, int Line, string Text, string Message)
    {
        public override string ToString() => $"{File}({Line}): {Id} {Message}  |  {Text}";
    }

    private sealed class CorpusRun
    {
        public int Files { get; set; }

        public int Lines { get; private set; }

        public List<Expectation> Expectations { get; } = new();

        public List<Finding> Findings { get; } = new();

        public List<Diagnostic> CompilerDiagnostics { get; } = new();

        public List<Compilation> Compilations { get; } = new();

        public bool IsExpected(Finding finding)
            => Expectations.Any(e => e.Id == finding.Id && e.File == finding.File && e.Line == finding.Line);

        public void AddExpectations(string file, string text)
        {
            var lines = text.Split('\n');
            Lines += lines.Length;
            for (var i = 0; i < lines.Length; i++)
            {
                var match = ExpectComment().Match(lines[i]);
                if (!match.Success)
                {
                    continue;
                }

                foreach (var id in match.Groups["ids"].Value.Split(',', StringSplitOptions.TrimEntries))
                {
                    Expectations.Add(new Expectation(id, file, i + 1, lines[i].Trim()));
                }
            }
        }
    }
}
