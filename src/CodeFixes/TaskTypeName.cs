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

    /// <summary>Adds <c>using System.Threading.Tasks;</c> among the compilation unit's usings, keeping System usings sorted.</summary>
    public static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit)
    {
        if (unit.Usings.Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.Name?.ToString() == Namespace))
        {
            return unit;
        }

        var existingEndOfLine = unit.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        var endOfLine = existingEndOfLine.IsKind(SyntaxKind.EndOfLineTrivia) ? existingEndOfLine : SyntaxFactory.LineFeed;
        var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(Namespace))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithTrailingTrivia(endOfLine);
        var usings = unit.Usings;
        var index = 0;
        while (index < usings.Count && usings[index].Alias is null && usings[index].StaticKeyword.IsKind(SyntaxKind.None)
            && string.CompareOrdinal(usings[index].Name?.ToString(), Namespace) < 0)
        {
            index++;
        }

        if (usings.Count == 0)
        {
            // First using of the file: take over the file's leading trivia so comments stay on top.
            var first = unit.GetFirstToken();
            directive = directive.WithLeadingTrivia(first.LeadingTrivia);
            unit = unit.ReplaceToken(first, first.WithLeadingTrivia());
            return unit.WithUsings(unit.Usings.Add(directive.WithTrailingTrivia(endOfLine, endOfLine)));
        }

        if (index == 0)
        {
            directive = directive.WithLeadingTrivia(usings[0].GetLeadingTrivia());
            usings = usings.Replace(usings[0], usings[0].WithLeadingTrivia());
        }

        return unit.WithUsings(usings.Insert(index, directive));
    }
}
