using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace TailGuard.CodeFixes;

/// <summary>
/// How a fix should spell <c>System.Threading.Tasks.Task</c> at a position: <c>Task</c> when it already binds there (a using, a global
/// using, implicit usings), <c>Task</c> plus a new <c>using System.Threading.Tasks;</c> when nothing named Task is in scope, and the
/// fully qualified name when another <c>Task</c> is in scope.
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

    public static TaskTypeName For(SyntaxNode root, SemanticModel model, int position, CancellationToken cancellationToken)
    {
        var task = model.Compilation.GetTypeByMetadataName(Namespace + ".Task");
        var visible = model.LookupNamespacesAndTypes(position, name: "Task");
        if (visible.Any(symbol => SymbolEqualityComparer.Default.Equals(symbol, task)))
        {
            return new TaskTypeName(SyntaxFactory.IdentifierName("Task"), needsUsing: false);
        }

        if (visible.IsEmpty && root is CompilationUnitSyntax)
        {
            return new TaskTypeName(SyntaxFactory.IdentifierName("Task"), needsUsing: true);
        }

        return new TaskTypeName(SyntaxFactory.ParseExpression("global::" + Namespace + ".Task"), needsUsing: false);
    }

    /// <summary>Adds <c>using System.Threading.Tasks;</c> among the compilation unit's usings, keeping them sorted.</summary>
    public static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit) => FixHelpers.AddUsing(unit, Namespace);
}
