using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers;

/// <summary>
/// Recognises test code of xunit, NUnit and MSTest, whose blocking calls do not serve requests: test methods, classes marked as test
/// classes, and classes that declare test methods (helpers, constructors and Dispose of an xunit test class).
/// </summary>
public static class TestCode
{
    // Whether a type is test code is asked for every member the rules look at; scan each type's members only once.
    // Keyed weakly by the symbol, so nothing outlives its compilation.
    private static readonly ConditionalWeakTable<INamedTypeSymbol, StrongBox<bool>> TestTypes = new();

    public static bool IsTestMethod(ISymbol? symbol)
    {
        for (var current = symbol; current is not null; current = current.ContainingSymbol)
        {
            if (current is IMethodSymbol method && method.MethodKind is MethodKind.Ordinary or MethodKind.Constructor)
            {
                foreach (var attribute in method.GetAttributes())
                {
                    if (IsTestAttribute(attribute.AttributeClass))
                    {
                        return true;
                    }
                }
            }

            if (current is INamedTypeSymbol type)
            {
                return TestTypes.GetValue(type, static t => new StrongBox<bool>(IsTestType(t))).Value;
            }
        }

        return false;
    }

    private static bool IsTestType(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            var name = attribute.AttributeClass?.Name;
            if (name is "TestClassAttribute" or "TestFixtureAttribute")
            {
                return true;
            }
        }

        // xunit marks no test class: a class that declares test methods is test code as a whole (its constructor,
        // Dispose and helpers run only under the test runner).
        return DeclaresTestMethods(type);
    }

    private static bool DeclaresTestMethods(INamedTypeSymbol type)
    {
        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol { MethodKind: MethodKind.Ordinary } method)
            {
                foreach (var attribute in method.GetAttributes())
                {
                    if (IsTestAttribute(attribute.AttributeClass))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>True when <paramref name="symbol"/> is test code and the option to skip test code is on for its tree.</summary>
    public static bool ShouldSkip(ISymbol? symbol, Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions options, SyntaxTree tree)
        => TailGuardOptions.ShouldExcludeTestCode(options, tree) && IsTestMethod(symbol);

    private static bool IsTestAttribute(INamedTypeSymbol? attribute)
    {
        for (var type = attribute; type is not null; type = type.BaseType)
        {
            // The name first: the namespace's display string allocates, and almost no attribute is a test attribute.
            var name = type.Name;
            if (name is not ("FactAttribute" or "TheoryAttribute" or "TestAttribute" or "TestCaseAttribute" or "TestCaseSourceAttribute"
                or "TestMethodAttribute" or "DataTestMethodAttribute"))
            {
                continue;
            }

            var ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
            switch (name)
            {
                case "FactAttribute" or "TheoryAttribute" when ns.StartsWith("Xunit", System.StringComparison.Ordinal):
                case "TestAttribute" or "TestCaseAttribute" or "TestCaseSourceAttribute" or "TheoryAttribute"
                    when ns.StartsWith("NUnit", System.StringComparison.Ordinal):
                case "TestMethodAttribute" or "DataTestMethodAttribute"
                    when ns.StartsWith("Microsoft.VisualStudio.TestTools", System.StringComparison.Ordinal):
                    return true;
            }
        }

        return false;
    }
}
