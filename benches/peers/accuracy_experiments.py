#!/usr/bin/env python3
"""Accuracy experiments behind docs/accuracy.md (issue 4).

    .venv/bin/python accuracy_experiments.py EXPERIMENT     # from benches/peers, after setup.sh

Quick screens of ideas for closing the gap between naive Bayes and a linear
SVM, run with scikit-learn on the reference *training* split only (the test
split is never read): stratified 5-fold split of split/train.txt with
random_state 0, and the first 2 folds scored (mean macro-F1 and accuracy).
Normalization is a simple stand-in for tasnif's (diacritics and tatweel
removed, alef forms, ى → ي, ة → ه); absolute figures therefore differ a little
from tasnif's own cross-validation, the comparisons between rows do not.

Experiments: a (title weighting, bigrams), b (character n-grams), c (LinearSVC,
weight-normalized CNB, stacking NB scores with logistic regression), d (χ²
feature selection), e (per-class report of SVM vs NB), f (a second-stage NB
for international vs middle_east), g (discriminative frequency estimates).
What they showed is summarized in docs/accuracy.md.
"""
import os, sys, re, numpy as np, time
from pathlib import Path
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import ComplementNB, MultinomialNB
from sklearn.model_selection import StratifiedKFold
from sklearn.metrics import f1_score, accuracy_score
from scipy.sparse import hstack
D=Path(os.environ.get('TASNIF_DATA', str(Path(__file__).resolve().parents[3] / 'shared/data'))) / 'ant-multisource'
ids=[l.strip() for l in open(D/'split/train.txt') if l.strip()]
DIAC=re.compile('[\u064B-\u0652\u0640\u0670]')
def norm(t):
    t=DIAC.sub('',t)
    t=re.sub('[إأآٱ]','ا',t); t=t.replace('ى','ي').replace('ة','ه')
    return t
texts=[norm((D/i).read_text()) for i in ids]
y=np.array([i.split('/')[0] for i in ids])
titles=[t.split('\n',1)[0] for t in texts]
skf=StratifiedKFold(5,shuffle=True,random_state=0)
folds=list(skf.split(texts,y))
TOK=r"(?u)\b\w\w+\b"
def run(name, mk, clf, nfolds=2):
    f1s=[];accs=[]
    t0=time.time()
    for tr,te in folds[:nfolds]:
        Xtr,Xte=mk([texts[i] for i in tr],[texts[i] for i in te],tr,te)
        m=clf().fit(Xtr,y[tr]); p=m.predict(Xte)
        f1s.append(f1_score(y[te],p,average='macro')); accs.append(accuracy_score(y[te],p))
    print(f"{name:50s} F1 {np.mean(f1s):.4f} acc {np.mean(accs):.4f} ({time.time()-t0:.0f}s)",flush=True)
def words(ng=(1,1),min_df=1,**kw):
    def mk(a,b,tr,te):
        v=TfidfVectorizer(token_pattern=TOK,ngram_range=ng,min_df=min_df,sublinear_tf=True,**kw); return v.fit_transform(a),v.transform(b)
    return mk
def chars(ng=(2,5),min_df=2,an='char_wb'):
    def mk(a,b,tr,te):
        v=TfidfVectorizer(analyzer=an,ngram_range=ng,min_df=min_df,sublinear_tf=True); return v.fit_transform(a),v.transform(b)
    return mk
def both(*mks):
    def mk(a,b,tr,te):
        parts=[m(a,b,tr,te) for m in mks]
        from sklearn.preprocessing import normalize
        return normalize(hstack([p[0] for p in parts]).tocsr()), normalize(hstack([p[1] for p in parts]).tocsr())
    return mk
def title(k):
    def mk(a,b,tr,te):
        aa=[('\n'.join([t.split('\n',1)[0]]*k))+'\n'+t for t in a]; bb=[('\n'.join([t.split('\n',1)[0]]*k))+'\n'+t for t in b]
        v=TfidfVectorizer(token_pattern=TOK,sublinear_tf=True); return v.fit_transform(aa),v.transform(bb)
    return mk
C=lambda a: (lambda: ComplementNB(alpha=a))
M=lambda a: (lambda: MultinomialNB(alpha=a))
exp=sys.argv[1]
if exp=='a':
    run('words CNB .1',words(),C(.1)); run('words MNB .01',words(),M(.01))
    for k in (1,2): run(f'title x{k} CNB .1',title(k),C(.1))
    run('words12 md2 CNB .1',words((1,2),2),C(.1))
if exp=='b':
    run('char_wb 2-5 CNB .1',chars((2,5)),C(.1)); run('char_wb 3-5 CNB .1',chars((3,5)),C(.1))
    run('char_wb 2-5 MNB .01',chars((2,5)),M(.01))
    run('words+char_wb 2-5 CNB .1',both(words(),chars((2,5))),C(.1))
from sklearn.svm import LinearSVC
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
def jll(m,X):
    return m.predict_joint_log_proba(X) if hasattr(m,'predict_joint_log_proba') else m._joint_log_likelihood(X)
def stack(name, views, nfolds=2):
    f1s=[];f1b=[];accs=[];accb=[]
    for tr,te in folds[:nfolds]:
        Ztr=[];Zte=[]
        for mk,clf in views:
            Xtr,Xte=mk([texts[i] for i in tr],[texts[i] for i in te],tr,te)
            inner=StratifiedKFold(3,shuffle=True,random_state=1)
            oof=np.zeros((len(tr),6))
            for a,b in inner.split(Xtr,y[tr]):
                m=clf().fit(Xtr[a],y[tr][a]); s=jll(m,Xtr[b]); oof[b]=s-s.mean(1,keepdims=True)
            m=clf().fit(Xtr,y[tr]); s=jll(m,Xte); 
            Ztr.append(oof); Zte.append(s-s.mean(1,keepdims=True))
            if len(Ztr)==1: pb=m.predict(Xte)
        Ztr=np.hstack(Ztr); Zte=np.hstack(Zte)
        lr=LogisticRegression(C=1.0,max_iter=2000).fit(Ztr,y[tr]); p=lr.predict(Zte)
        f1s.append(f1_score(y[te],p,average='macro')); accs.append(accuracy_score(y[te],p))
        f1b.append(f1_score(y[te],pb,average='macro')); accb.append(accuracy_score(y[te],pb))
    print(f"{name:50s} stacked F1 {np.mean(f1s):.4f} acc {np.mean(accs):.4f} | first view F1 {np.mean(f1b):.4f} acc {np.mean(accb):.4f}",flush=True)
if exp=='c':
    run('LinearSVC words12 md2',words((1,2),2),lambda: LinearSVC(C=0.5))
    for a in (0.1,0.3,1.0): run(f'CNB norm words a={a}',words(),lambda a=a: ComplementNB(alpha=a,norm=True))
    stack('stack CNB words', [(words(),C(.1))])
    stack('stack CNB words + MNB words12', [(words(),C(.1)),(words((1,2),2),M(.01))])
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.preprocessing import normalize as l2n
def sel(mk,k,renorm=True):
    def f(a,b,tr,te):
        Xa,Xb=mk(a,b,tr,te)
        s=SelectKBest(chi2,k=min(k,Xa.shape[1])).fit(Xa,y[tr])
        Xa,Xb=s.transform(Xa),s.transform(Xb)
        return (l2n(Xa),l2n(Xb)) if renorm else (Xa,Xb)
    return f
if exp=='d':
    for k in (5000,20000,50000):
        run(f'chi2 {k} words CNB .1',sel(words(),k),C(.1)); run(f'chi2 {k} words MNB .01',sel(words(),k),M(.01))
    for k in (20000,50000,100000):
        run(f'chi2 {k} words12 CNB .1',sel(words((1,2),2),k),C(.1)); run(f'chi2 {k} words12 MNB .01',sel(words((1,2),2),k),M(.01))
from sklearn.metrics import classification_report, confusion_matrix
if exp=='e':
    tr,te=folds[0]
    for name,mk,clf in [('svm',words((1,2),2),lambda: LinearSVC(C=0.5)),('mnb chi2',sel(words((1,2),2),50000),M(.01))]:
        Xtr,Xte=mk([texts[i] for i in tr],[texts[i] for i in te],tr,te)
        p=clf().fit(Xtr,y[tr]).predict(Xte)
        print(name); print(classification_report(y[te],p,digits=3)); print(confusion_matrix(y[te],p))
if exp=='f':
    for tr,te in folds[:2]:
        mk=words((1,2),2)
        a=[texts[i] for i in tr]; b=[texts[i] for i in te]
        v=TfidfVectorizer(token_pattern=TOK,ngram_range=(1,2),min_df=2,sublinear_tf=True)
        Xa=v.fit_transform(a); Xb=v.transform(b)
        s=SelectKBest(chi2,k=50000).fit(Xa,y[tr]); Xa1,Xb1=l2n(s.transform(Xa)),l2n(s.transform(Xb))
        p=MultinomialNB(alpha=.01).fit(Xa1,y[tr]).predict(Xb1)
        print('base', f1_score(y[te],p,average='macro'), accuracy_score(y[te],p))
        pair=np.isin(y[tr],['international','middle_east'])
        for k in (5000,20000,50000):
          for alpha in (0.01,0.1):
            s2=SelectKBest(chi2,k=k).fit(Xa[pair],y[tr][pair])
            m2=MultinomialNB(alpha=alpha).fit(l2n(s2.transform(Xa[pair])),y[tr][pair])
            q=p.copy(); idx=np.isin(p,['international','middle_east'])
            q[idx]=m2.predict(l2n(s2.transform(Xb[idx])))
            print('pair',k,alpha, round(f1_score(y[te],q,average='macro'),4), round(accuracy_score(y[te],q),4),flush=True)
from scipy.special import logsumexp
def dfe_eval(Xa,ya,Xb,yb,classes,alpha,epochs,init=True,lr=1.0,complement=False):
    Y=np.stack([(ya==c).astype(float) for c in classes],1)
    N=(Y.T@Xa) if init else np.zeros((len(classes),Xa.shape[1]))
    N=np.asarray(N)
    out=[]
    for e in range(epochs+1):
        W=np.log(N+alpha)-np.log((N+alpha).sum(1,keepdims=True))
        prior=np.log(Y.mean(0))
        if e in (0,1,2,3,5,8,epochs):
            s=Xb@W.T+prior; p=np.array(classes)[s.argmax(1)]
            out.append((e,round(f1_score(yb,p,average='macro'),4),round(accuracy_score(yb,p),4)))
        if e==epochs: break
        s=Xa@W.T+prior; P=np.exp(s-logsumexp(s,1,keepdims=True))
        w=(1-(P*Y).sum(1))   # 1 - p(true)
        N=N+lr*np.asarray((Y*w[:,None]).T@Xa)
    return out
if exp=='g':
    for tr,te in folds[:2]:
        a=[texts[i] for i in tr]; b=[texts[i] for i in te]
        for ng,md in (((1,1),1),((1,2),2)):
            v=TfidfVectorizer(token_pattern=TOK,ngram_range=ng,min_df=md,sublinear_tf=True)
            Xa=v.fit_transform(a); Xb=v.transform(b)
            classes=sorted(set(y))
            for alpha in (0.01,0.1):
                print(ng,alpha,dfe_eval(Xa,y[tr],Xb,y[te],classes,alpha,10),flush=True)
