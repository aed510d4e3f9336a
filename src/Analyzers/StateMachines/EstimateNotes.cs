using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace TailGuard.Analyzers.StateMachines;

/// <summary>What a reader of an estimate should know about its precision: which sizes are guesses, and why.</summary>
internal static class EstimateNotes
{
    public static ImmutableArray<string> For(ImmutableArray<HoistedField> fields, bool debug)
    {
        var notes = ImmutableArray.CreateBuilder<string>();
        foreach (var field in fields)
        {
            if (field.Size.IsExact)
            {
                continue;
            }

            notes.Add(field.Type is ITypeParameterSymbol
                ? $"'{field.Name}' has the type parameter {field.TypeName}: sized as 8 bytes, its real size depends on the instantiation"
                : $"the size of '{field.Name}' ({field.TypeName}) is estimated: its layout is not visible in the referenced assembly");
        }

        if (debug)
        {
            notes.Add("Debug build: the state machine is a class and every local is hoisted");
        }

        return notes.ToImmutable();
    }
}
