using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using TailGuard.Analyzers.StateMachines;

namespace TailGuard.Analyzers.Tests.StateMachines;

public sealed class StateMachineEstimatorRobustnessTests
{
    [Fact]
    public void Estimator_does_not_throw_on_code_cut_off_at_any_point()
    {
        var source = StateMachineSizeAccuracyTests.Samples;
        var estimated = 0;
        for (var length = 0; length <= source.Length; length += 149)
        {
            var tree = CSharpSyntaxTree.ParseText(source[..length], new CSharpParseOptions(LanguageVersion.Preview));
            var compilation = CSharpCompilation.Create("cut", new[] { tree }, TestReferences.Net100, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            var model = compilation.GetSemanticModel(tree);
            foreach (var node in tree.GetRoot().DescendantNodes().Where(StateMachineEstimator.IsAsyncFunctionSyntax))
            {
                if (StateMachineEstimator.Estimate(node, model) is { } estimate)
                {
                    Assert.True(estimate.TotalBytes > 0);
                    estimated++;
                }
            }
        }

        Assert.True(estimated > 30, estimated + " estimates");
    }

    [Fact]
    public void Non_async_functions_and_async_iterators_are_not_estimated()
    {
        var tree = CSharpSyntaxTree.ParseText("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            class C
            {
                Task<int> Plain() => Task.FromResult(1);
                async IAsyncEnumerable<int> Stream() { await Task.Yield(); yield return 1; }
            }
            """);
        var compilation = CSharpCompilation.Create("c", new[] { tree }, TestReferences.Net100, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var model = compilation.GetSemanticModel(tree);

        foreach (var method in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax>())
        {
            Assert.Null(StateMachineEstimator.Estimate(method, model));
        }
    }
}
