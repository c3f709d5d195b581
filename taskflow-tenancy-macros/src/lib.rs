//! The proc-macro behind `taskflow_tenancy::tenant_scoped`. Use it through `taskflow-tenancy`,
//! which re-exports it and holds the runtime the generated code calls.
//!
//! The macro works in three passes, each in its own module: `ast` parses the struct and the
//! attribute arguments into a typed model, `valid` checks that model, and `expand` writes
//! the code. Every error is spanned on the offending token, and on error the struct is still
//! emitted so that one mistake does not cascade into many.

mod ast;
mod expand;
mod valid;

use proc_macro::TokenStream;

/// Declares a tenant-scoped model. Documented in `taskflow-tenancy`.
#[proc_macro_attribute]
pub fn tenant_scoped(args: TokenStream, input: TokenStream) -> TokenStream {
    let mut item = syn::parse_macro_input!(input as syn::DeriveInput);
    let model = ast::Model::parse(args.into(), &mut item).and_then(|model| {
        valid::check(&model)?;
        Ok(model)
    });
    match model {
        Ok(model) => {
            let generated = expand::expand(&model, &item);
            quote::quote!(#item #generated).into()
        }
        Err(err) => {
            let err = err.to_compile_error();
            quote::quote!(#item #err).into()
        }
    }
}
