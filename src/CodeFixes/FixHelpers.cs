using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace TailGuard.CodeFixes;

/// <summary>Small pieces shared by fixes that introduce names, imports, or must be applied one after another in Fix All.</summary>
internal static class FixHelpers
{
    /// <summary>
    /// A Fix All provider that applies <paramref name="fixOne"/> to each diagnostic of a document in turn, on the document
    /// produced by the previous fix. Needed when fixes overlap (nested try blocks) or must see each other's names.
    /// </summary>
    public static FixAllProvider Sequential(Func<Document, SyntaxNode, Diagnostic, CancellationToken, Task<Document>> fixOne, Func<SyntaxNode, TextSpan, SyntaxNode?> findTarget)
        => FixAllProvider.Create(async (context, document, diagnostics) =>
        {
            var root = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                return document;
            }

            var targets = new List<(SyntaxAnnotation Annotation, Diagnostic Diagnostic)>();
            var nodes = new Dictionary<SyntaxNode, SyntaxAnnotation>();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
            {
                if (findTarget(root, diagnostic.Location.SourceSpan) is { } node && !nodes.ContainsKey(node))
                {
                    var annotation = new SyntaxAnnotation("TailGuard.FixAllTarget");
                    nodes.Add(node, annotation);
                    targets.Add((annotation, diagnostic));
                }
            }

            root = root.ReplaceNodes(nodes.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(nodes[original]));
            document = document.WithSyntaxRoot(root);
            foreach (var (annotation, diagnostic) in targets)
            {
                var currentRoot = await document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
                var node = currentRoot?.GetAnnotatedNodes(annotation).FirstOrDefault();
                if (node is not null)
                {
                    document = await fixOne(document, node, diagnostic, context.CancellationToken).ConfigureAwait(false);
                }
            }

            return document;
        });

    /// <summary>
    /// Every name declared anywhere in the member (or top-level program) around <paramref name="node"/>: a new local must not
    /// clash with any of them, including ones in nested scopes (CS0136).
    /// </summary>
    public static HashSet<string> DeclaredNames(SyntaxNode node)
    {
        SyntaxNode scope = node.AncestorsAndSelf().OfType<MemberDeclarationSyntax>().FirstOrDefault(m => m is not GlobalStatementSyntax)
            ?? (SyntaxNode?)node.FirstAncestorOrSelf<CompilationUnitSyntax>() ?? node;
        if (scope is BaseTypeDeclarationSyntax)
        {
            // A loop in a field initializer lambda: the field declaration is the member.
            scope = node.AncestorsAndSelf().FirstOrDefault(a => a.Parent == scope) ?? scope;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var descendant in scope.DescendantNodesAndSelf(n => n is not BaseTypeDeclarationSyntax || n == scope))
        {
            var identifier = descendant switch
            {
                VariableDeclaratorSyntax v => v.Identifier,
                SingleVariableDesignationSyntax d => d.Identifier,
                ParameterSyntax p => p.Identifier,
                ForEachStatementSyntax f => f.Identifier,
                CatchDeclarationSyntax c => c.Identifier,
                LocalFunctionStatementSyntax l => l.Identifier,
                FromClauseSyntax q => q.Identifier,
                LetClauseSyntax q => q.Identifier,
                JoinClauseSyntax q => q.Identifier,
                JoinIntoClauseSyntax q => q.Identifier,
                QueryContinuationSyntax q => q.Identifier,
                LabeledStatementSyntax l => l.Identifier,
                _ => default,
            };
            if (identifier.ValueText.Length > 0)
            {
                names.Add(identifier.ValueText);
            }
        }

        return names;
    }

    /// <summary><paramref name="baseName"/>, or <paramref name="baseName"/>2, 3, ... : the first that <paramref name="isFree"/> accepts.</summary>
    public static string UniqueName(string baseName, Func<string, bool> isFree)
    {
        if (isFree(baseName))
        {
            return baseName;
        }

        for (var i = 2; ; i++)
        {
            var candidate = baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (isFree(candidate))
            {
                return candidate;
            }
        }
    }

    /// <summary>
    /// How to spell <paramref name="typeName"/> (simple name of a type in <paramref name="namespaceName"/>) at <paramref name="position"/>:
    /// the simple name when it binds to exactly that type there; the simple name plus a new using (<paramref name="needsUsing"/>)
    /// when nothing of that name and arity is in scope, not even a namespace; otherwise (another type of that name, an ambiguity,
    /// a namespace called so) the fully qualified name.
    /// </summary>
    public static string TypeReference(SemanticModel model, int position, string namespaceName, string typeName, int arity, out bool needsUsing)
    {
        needsUsing = false;
        var visible = model.LookupNamespacesAndTypes(position, name: typeName);
        var expected = model.Compilation.GetTypeByMetadataName(namespaceName + "." + typeName + (arity > 0 ? "`" + arity.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty));
        var namespaceOfThatName = visible.Any(s => s is INamespaceSymbol);
        var matching = visible.Where(s => s is INamedTypeSymbol named && named.Arity == arity).ToList();
        if (!namespaceOfThatName && matching.Count == 1 && SymbolEqualityComparer.Default.Equals(matching[0].OriginalDefinition, expected))
        {
            return typeName;
        }

        if (!namespaceOfThatName && matching.Count == 0)
        {
            needsUsing = true;
            return typeName;
        }

        return "global::" + namespaceName + "." + typeName;
    }

    /// <summary>Adds <c>using <paramref name="namespaceName"/>;</c> to the compilation unit, in order among the existing usings.</summary>
    public static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit, string namespaceName)
    {
        if (unit.Usings.Any(u => u.Alias is null && u.StaticKeyword.IsKind(SyntaxKind.None) && u.Name?.ToString() == namespaceName))
        {
            return unit;
        }

        var endOfLine = EndOfLine(unit);
        var directive = SyntaxFactory.UsingDirective(SyntaxFactory.ParseName(namespaceName))
            .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(SyntaxFactory.Space))
            .WithTrailingTrivia(endOfLine);
        var index = 0;
        while (index < unit.Usings.Count && unit.Usings[index].Alias is null && unit.Usings[index].StaticKeyword.IsKind(SyntaxKind.None)
            && string.CompareOrdinal(unit.Usings[index].Name?.ToString(), namespaceName) < 0)
        {
            index++;
        }

        if (unit.Usings.Count == 0)
        {
            // Keep the file's leading trivia (comments, #nullable) above the new using.
            var first = unit.GetFirstToken();
            directive = directive.WithLeadingTrivia(first.LeadingTrivia);
            unit = unit.ReplaceToken(first, first.WithLeadingTrivia(SyntaxFactory.TriviaList()));
            return unit.WithUsings(unit.Usings.Add(directive.WithTrailingTrivia(endOfLine, endOfLine)));
        }

        if (index == 0)
        {
            var firstUsing = unit.Usings[0];
            directive = directive.WithLeadingTrivia(firstUsing.GetLeadingTrivia());
            unit = unit.WithUsings(unit.Usings.Replace(firstUsing, firstUsing.WithLeadingTrivia(SyntaxFactory.TriviaList())));
        }

        return unit.WithUsings(unit.Usings.Insert(index, directive));
    }

    /// <summary>The document's line ending (the first one found), so generated lines match the file.</summary>
    public static SyntaxTrivia EndOfLine(SyntaxNode root)
    {
        var existing = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        return existing.IsKind(SyntaxKind.EndOfLineTrivia) ? existing : SyntaxFactory.CarriageReturnLineFeed;
    }
}
