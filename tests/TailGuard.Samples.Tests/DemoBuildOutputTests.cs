using TailGuard.Samples.Demo;

namespace TailGuard.Samples.Tests;

public sealed class DemoBuildOutputTests
{
    private const string Link = "(https://github.com/tailguard/tailguard/blob/main/docs/rules/TG1001.md)";

    [Fact]
    public void A_TailGuard_warning_line_gives_file_line_rule_and_message_without_link_or_project()
    {
        var output = $"/repo/samples/AdversarialService/BadEndpoints.cs(31,21): warning TG1001: 'Task.Result' blocks a thread until the task completes; await it instead {Link} [/repo/samples/AdversarialService/AdversarialService.csproj]";

        var finding = Assert.Single(Builds.ParseFindings(output));

        Assert.Equal(new AnalyzerFinding("BadEndpoints.cs", 31, "TG1001", "'Task.Result' blocks a thread until the task completes; await it instead"), finding);
    }

    [Fact]
    public void A_warning_printed_twice_by_msbuild_is_one_finding()
    {
        var line = $"/repo/BadEndpoints.cs(64,22): warning TG4001: 'new byte[1 << 20]' allocates about 1,048,600 bytes on the large object heap {Link} [/repo/A.csproj]";

        var findings = Builds.ParseFindings(line + "\n" + "  " + line + "\n");

        Assert.Single(findings);
    }

    [Fact]
    public void Other_warnings_errors_and_chatter_are_not_findings()
    {
        var output = """
            Determining projects to restore...
            /repo/Program.cs(3,1): warning CS8600: Converting null literal [/repo/A.csproj]
            /repo/Program.cs(4,1): error TG1001: not a warning [/repo/A.csproj]
            CSC : warning TG1001: no file and line
              AdversarialService -> /repo/bin/AdversarialService.dll
            """;

        Assert.Empty(Builds.ParseFindings(output));
    }

    [Fact]
    public void Findings_come_sorted_by_file_then_line_and_keep_a_message_with_brackets_and_parentheses()
    {
        var output = """
            /repo/Z.cs(9,1): warning TG2001: loop (nested) [x] never yields [/repo/A.csproj]
            /repo/dir with spaces/B.cs(20,5): warning TG3002: 'model' (RiskModel, 256 bytes) is copied [/repo/A.csproj]
            /repo/dir with spaces/B.cs(7,5): warning TG3001: The state machine is about 832 bytes
            """;

        var findings = Builds.ParseFindings(output);

        Assert.Equal(["B.cs:7", "B.cs:20", "Z.cs:9"], findings.Select(finding => $"{finding.File}:{finding.Line}"));
        Assert.Equal("loop (nested) [x] never yields", findings[2].Message);
        Assert.Equal("'model' (RiskModel, 256 bytes) is copied", findings[1].Message);
    }

    [Fact]
    public void The_tail_of_a_failed_build_keeps_its_last_lines_indented()
    {
        var output = string.Join("\n", Enumerable.Range(1, 40).Select(i => $"line {i}"));

        var tail = Builds.Tail(output).Split(Environment.NewLine);

        Assert.Equal(25, tail.Length);
        Assert.Equal("  line 16", tail[0]);
        Assert.Equal("  line 40", tail[^1]);
    }
}
