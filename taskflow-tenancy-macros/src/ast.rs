//! Parsing: the struct and its `#[tenant_scoped(...)]` arguments into a [`Model`].

use proc_macro2::{Span, TokenStream};
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Path, Type, Visibility};

pub(crate) struct Model {
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    pub(crate) table: Option<LitStr>,
    pub(crate) tenant: Option<Ident>,
    pub(crate) key: Option<Ident>,
    pub(crate) unique: Vec<Vec<Ident>>,
    pub(crate) fields: Vec<Field>,
    pub(crate) generics: Option<Span>,
}

pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    pub(crate) ty: Type,
    pub(crate) references: Option<Path>,
}

impl Field {
    /// The column name: the field name without a raw-identifier prefix.
    pub(crate) fn column(&self) -> String {
        let name = self.ident.to_string();
        name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
    }
}

impl Model {
    /// Parses the arguments and fields, removing the field attributes this macro owns from
    /// `item` so that the struct can be emitted as is.
    pub(crate) fn parse(args: TokenStream, item: &mut DeriveInput) -> syn::Result<Model> {
        let mut model = Model {
            ident: item.ident.clone(),
            vis: item.vis.clone(),
            table: None,
            tenant: None,
            key: None,
            unique: Vec::new(),
            fields: Vec::new(),
            generics: (!item.generics.params.is_empty())
                .then(|| syn::spanned::Spanned::span(&item.generics)),
        };
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("table") {
                model.table = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("tenant") {
                model.tenant = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("key") {
                model.key = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("unique") {
                let mut columns = Vec::new();
                meta.parse_nested_meta(|column| {
                    match column.path.get_ident() {
                        Some(ident) => columns.push(ident.clone()),
                        None => return Err(column.error("expected a field name in `unique(...)`")),
                    }
                    Ok(())
                })?;
                if columns.is_empty() {
                    return Err(meta.error("`unique()` needs at least one field: `unique(name)`"));
                }
                model.unique.push(columns);
            } else {
                return Err(meta.error(
                    "unknown #[tenant_scoped] argument; expected `table = \"...\"`, `tenant = field`, `key = field` or `unique(field, ...)`",
                ));
            }
            Ok(())
        });
        syn::parse::Parser::parse2(parser, args)?;

        let fields = match &mut item.data {
            Data::Struct(data) => match &mut data.fields {
                Fields::Named(fields) => fields,
                Fields::Unnamed(_) | Fields::Unit => {
                    return Err(syn::Error::new_spanned(
                        &item.ident,
                        "#[tenant_scoped] needs a struct with named fields: each field is a column, and tuple or unit structs have no column names",
                    ));
                }
            },
            Data::Enum(data) => {
                return Err(syn::Error::new_spanned(
                    data.enum_token,
                    "#[tenant_scoped] cannot be used on an enum: a model is a struct with one named field per column; store an enum as a column type instead",
                ));
            }
            Data::Union(data) => {
                return Err(syn::Error::new_spanned(
                    data.union_token,
                    "#[tenant_scoped] cannot be used on a union: use a struct with named fields",
                ));
            }
        };

        for field in &mut fields.named {
            let mut references = None;
            let mut error: Option<syn::Error> = None;
            field.attrs.retain(|attr| {
                if !attr.path().is_ident("tenant_scoped") {
                    return true;
                }
                let parsed = attr.parse_nested_meta(|meta| {
                    if meta.path.is_ident("references") {
                        references = Some(meta.value()?.parse::<Path>()?);
                        Ok(())
                    } else {
                        Err(meta.error(
                            "unknown #[tenant_scoped] field argument; expected `references = Model`",
                        ))
                    }
                });
                if let Err(e) = parsed {
                    match &mut error {
                        Some(first) => first.combine(e),
                        None => error = Some(e),
                    }
                }
                false
            });
            if let Some(e) = error {
                return Err(e);
            }
            model.fields.push(Field {
                ident: field.ident.clone().expect("named field"),
                vis: field.vis.clone(),
                ty: field.ty.clone(),
                references,
            });
        }
        Ok(model)
    }

    pub(crate) fn field(&self, ident: &Ident) -> Option<&Field> {
        self.fields.iter().find(|f| f.ident == *ident)
    }

    /// The tenant field: named by `tenant = ...`, else the field `tenant_id`.
    pub(crate) fn tenant_field(&self) -> Option<&Field> {
        match &self.tenant {
            Some(ident) => self.field(ident),
            None => self.fields.iter().find(|f| f.ident == "tenant_id"),
        }
    }

    /// The key field: named by `key = ...`, else the field `id`.
    pub(crate) fn key_field(&self) -> Option<&Field> {
        match &self.key {
            Some(ident) => self.field(ident),
            None => self.fields.iter().find(|f| f.ident == "id"),
        }
    }
}
