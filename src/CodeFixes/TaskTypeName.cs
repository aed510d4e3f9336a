using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.CodeFixes;

/// <summary>
/// How a fix should spell <c>System.Threading.Tasks.Task</c> at a position (<see cref="FixHelpers.TypeReference"/>), as syntax.
/// </summary>
internal readonly struct TaskTypeName
{
    private const string Namespace = "System.Threading.Tasks";

    private TaskTypeName(ExpressionSyntax syntax, bool needsUsing)
    {
        Syntax = syntax;
        NeedsUsing = needsUsing;
    }

    public ExpressionSyntax Syntax { get; }

    public bool NeedsUsing { get; }

    public static TaskTypeName For(SemanticModel model, int position)
    {
        var name = FixHelpers.TypeReference(model, position, Namespace, "Task", arity: 0, out var needsUsing);
        return new TaskTypeName(SyntaxFactory.ParseExpression(name), needsUsing);
    }

    /// <summary>Adds <c>using System.Threading.Tasks;</c> among the compilation unit's usings, keeping them sorted.</summary>
    public static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit) => FixHelpers.AddUsing(unit, Namespace);
}
